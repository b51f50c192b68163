"""Run a Beam graph on the runner asked for; the local default is the FnApiRunner.

The FnApiRunner is named explicitly: Beam's default DirectRunner first tries to
download the Prism runner binary, which is out of reach offline. Beam's own options
(``--runner``, ``--flink_master``, ...) are passed through untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.runners.runner import PipelineResult

LOCAL_RUNNER = "FnApiRunner"


def make_pipeline(runner: str = LOCAL_RUNNER, beam_args: Sequence[str] = ()) -> beam.Pipeline:
    options = PipelineOptions(list(beam_args))
    if runner == LOCAL_RUNNER:
        return beam.Pipeline(runner=FnApiRunner(), options=options)
    return beam.Pipeline(runner=runner, options=options)


def run_graph(
    build: Callable[[beam.Pipeline], object],
    runner: str = LOCAL_RUNNER,
    beam_args: Sequence[str] = (),
) -> PipelineResult:
    """Build the graph with ``build(p)``, run it to completion, return the result (its
    metrics feed run summaries)."""
    p = make_pipeline(runner, beam_args)
    build(p)
    result = p.run()
    result.wait_until_finish()
    return result


def quiet_libraries(verbose: bool = False) -> None:
    """kafka-python logs every dropped connection at ERROR; keep that for --verbose."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in ("kafka", "apache_beam", "stanza"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL)
