"""NLP: language identification and Stanza (tokenize, mwt, pos, lemma, depparse, ner)."""
