"""HTML detection, tag stripping and stray "<" handling (pipeline.clean.markup)."""

from __future__ import annotations

import pytest

from pipeline.clean.markup import count_entities, html_to_text, looks_like_html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>Hello</p>", True),
        ("Hello<br/>world", True),
        ("<DIV CLASS='x'>y</DIV>", True),
        ("text <!-- comment --> more", True),
        ("If x<y and z>w then", False),
        ("a < b > c", False),
        ("<3 love", False),
        ("plain text", False),
        ("<customtag>", False),
    ],
)
def test_looks_like_html(text: str, expected: bool) -> None:
    assert looks_like_html(text) is expected


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "\n\na\n\n\n\nb\n\n"),
        ("a<br>b", "a\n\nb"),
        ("<b>bold</b> and <i>italic</i>", "bold and italic"),
        ("<p>x</p><script>alert('<p>')</script><style>p{}</style>y", "\n\nx\n\ny"),
        ("<!-- <p>hidden</p> -->shown", "shown"),
        ("<![CDATA[ <x> ]]>ok", "ok"),
        ("<a <!-- x > y --> b", "<a  b"),
        ("a < b <p>c</p>", "a < b \n\nc\n\n"),
        ("<<<p>x", "<<\n\nx"),
        ("<p>1 &lt; 2 &amp;&amp; 3 &gt; 2</p>", "\n\n1 < 2 && 3 > 2\n\n"),
        ("<p>unclosed <a href='x' fell", "\n\nunclosed <a href='x' fell"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html)[0] == text


def test_html_to_text_counts() -> None:
    _, tags, entities = html_to_text("<p>a&amp;b &#1575; &nosuch;</p><!-- c --><br/>")
    assert (tags, entities) == (4, 2)


@pytest.mark.parametrize(
    ("text", "count"),
    [("AT&T", 0), ("&amp;", 1), ("&amp", 1), ("&foo;", 0), ("&#1575;&#x41;", 2), ("&lt&gt", 2)],
)
def test_count_entities(text: str, count: int) -> None:
    assert count_entities(text) == count
