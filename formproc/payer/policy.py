"""The payer's choices where the law leaves room, on top of the shared validation `Policy`.

`PayerPolicy` is a `formproc.rules.Policy` (so the validator accepts it) with the settings only
the computation needs. They are proposed for the shared Policy; until they move there they live
here, each documented with its source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Literal

from formproc.rules.policy import Policy


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class PayerPolicy(Policy):
    """Policy plus the computation's rounding and scope choices."""

    daily_average_rounding: Literal["half_up", "down"] = field(default="half_up", metadata=_doc(
        "Media zilnică la 2 zecimale: D112 (D_19) o rotunjește; exemplele Normelor (art. 62 ex. 4: "
        "2.500 : 21 = 119,04; art. 78^4: 24.300 : 121 = 200,82) o trunchiază. Implicit half_up "
        "(ROUND_HALF_UP); down reproduce exemplele. Validatorul le acceptă pe amândouă."))
    indemnity_rounding: Literal["lei", "bani"] = field(default="lei", metadata=_doc(
        "Cuantumul: exemplele Normelor (art. 62, 63, 78^4) îl rotunjesc la leu \"conform legii\" "
        "(2.028,68 -> 2.029; 441,80 -> 442). Implicit lei (ROUND_HALF_UP); bani păstrează 2 zecimale."))
    hospital_cert_types: tuple[str, ...] = field(default=("IN",), metadata=_doc(
        "Ce certificate sunt \"eliberate ... bolnavilor în regim de spitalizare\" (Legea 64/2026, "
        "OUG 91/2025 art. II alin. (5)): implicit cele cu tip IN (internat); adăugați EX pentru "
        "certificatele de la externare."))
    work_accident_income_cap: bool = field(default=False, metadata=_doc(
        "Legea 346/2002 art. 33 nu plafonează media veniturilor pentru codurile 02, 03, 04 (plafonul "
        "de 12 salarii minime e în OUG 158/2005 art. 10). Implicit fără plafon; True aplică plafonul."))


def payer_policy(policy: Policy | None) -> PayerPolicy:
    """The given policy as a PayerPolicy (payer settings at their defaults when absent)."""
    if isinstance(policy, PayerPolicy):
        return policy
    if policy is None:
        return PayerPolicy()
    known = {f.name for f in fields(PayerPolicy)}
    return PayerPolicy(**{k: v for k, v in asdict(policy).items() if k in known})
