"""Duplicate detection: the same article again, or the same story under a new id.

:mod:`pipeline.dedup.fingerprint` turns a clean article into a fingerprint (content
hash + MinHash of word 3-shingles); :mod:`pipeline.dedup.index` decides, article by
article in order, whether it repeats one seen before; :mod:`pipeline.dedup.stage`
wires that into Beam (a per-worker window on the live path, the whole input in replay).
Duplicates are flagged in the record, never dropped.
"""
