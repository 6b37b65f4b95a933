"""Reconciliation: a corrected paper copy against the stored record, before the rectificative report.

detect (hand corrections on a registered page), paper (the scanner's reading with the corrections),
compare (one difference per field), apply (accepted differences into the store, rectification
queue), samples (synthetic corrected copies with their truth), zones (where corrections go).
"""
