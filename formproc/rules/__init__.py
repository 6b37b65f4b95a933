"""Validation against the law in force on the certificate's date: a registry of dated rules.

`validate_record` runs the single-certificate rules; `validate_records` adds the rules across
certificates (continuations, overlaps, yearly limits, serial numbers, episode percent).
"""

from formproc.rules import codes, cross, dates, formats, issuer, payer  # noqa: F401  (register the rules)
from formproc.rules.engine import findings_json, has_errors, validate_record, validate_records
from formproc.rules.policy import Policy
from formproc.rules.registry import REGISTRY, Context, Finding, Rule, rule, rules

__all__ = ["Context", "Finding", "Policy", "REGISTRY", "Rule", "findings_json", "has_errors", "rule",
           "rules", "validate_record", "validate_records"]
