"""The payer's part of the certificate: calculation base, percent, working days, split, explanation.

    from formproc.payer import compute, parse_incomes
    result = compute(cert, parse_incomes(rows), schedule=None, history=earlier_certs)
    result.to_dict()   # canonical payer fields + explanation

See docs/payer.md for the method, the policy settings and their sources.
"""

from formproc.payer.compute import (
    PAYER_FIELDS,
    Day,
    Difference,
    PayerResult,
    Step,
    compute,
    compute_episode,
    explanation_text,
)
from formproc.payer.incomes import MonthIncome, parse_incomes
from formproc.payer.policy import PayerPolicy, payer_policy
from formproc.payer.schedule import Schedule, parse_schedule
from formproc.payer.wages import minimum_wage_for_month, minimum_wage_on

__all__ = ["PAYER_FIELDS", "Day", "Difference", "MonthIncome", "PayerPolicy", "PayerResult", "Schedule", "Step",
           "compute", "compute_episode", "explanation_text", "minimum_wage_for_month", "minimum_wage_on",
           "parse_incomes", "parse_schedule", "payer_policy"]
