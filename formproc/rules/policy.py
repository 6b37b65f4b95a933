"""Policy: the documented choices where the sources disagree (rules-facts.md, open questions).

Every setting has a default; rules that depend on a setting report warnings, not errors, because
rejecting a valid certificate is worse than accepting an invalid one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Literal


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class Policy:
    """Choices for the open questions of the law, with their defaults."""

    code01_day15_percent: int = field(default=75, metadata=_doc(
        "Cod 01 de la 01.08.2025, episod de exact 15 zile: legea spune 65% pentru 8-14 zile și 75% "
        "\"peste 15 zile\" (OUG 158/2005 art. 17 alin. (1)); presa scrie \"15 sau mai multe\". "
        "Implicit 75; celălalt procent produce un avertisment."))
    first_unpaid_day: Literal["calendar", "working"] = field(default="working", metadata=_doc(
        "Prima zi neplătită (certificate emise 01.02.2026-31.12.2027): Normele art. 78^4 alin. (4) "
        "spun \"prima zi lucrătoare\", consultanții fiscali \"prima zi calendaristică\". Implicit working."))
    unpaid_day_exemptions_from: date = field(default=date(2026, 6, 1), metadata=_doc(
        "Data de la care se aplică excepțiile de la ziua neplătită (PNS, spitalizare) din Legea 64/2026 "
        "art. VI alin. (4): prima zi a lunii următoare intrării în vigoare (dedus: 01.06.2026)."))
    code51_first_day_unpaid: bool = field(default=False, metadata=_doc(
        "Cod 51: ANAF nu scade nicio zi (D112), OUG 91/2025 art. II scade o zi din indemnizațiile "
        "suportate integral din FNUASS. Implicit False (ca ANAF)."))
    work_accident_first_day_unpaid: bool = field(default=False, metadata=_doc(
        "Codurile Legii 346/2002 (02, 03, 04, 11): OUG 91/2025 privește indemnizațiile din OUG 158/2005 "
        "(dedus: fără zi neplătită). Implicit False."))
    family_doctor_episode_days: int = field(default=7, metadata=_doc(
        "Limita medicului de familie: 7 zile pe episod (Norme art. 20 alin. (1)) față de verificarea D112 "
        "de 10 zile pe certificat. Implicit 7; depășirea produce un avertisment."))
    issuer_type: Literal["MF", "SPEC", "SPITAL", "UPU", "CAS"] | None = field(default=None, metadata=_doc(
        "Tipul emitentului din setările furnizorului, folosit când certificatul nu îl are (issuerType). "
        "Implicit necunoscut: regulile emitentului se aplică doar când tipul e cunoscut."))

    @classmethod
    def documented(cls) -> list[dict[str, Any]]:
        """Each setting with its default and the reason it exists."""
        out = []
        for f in fields(cls):
            default = f.default.isoformat() if isinstance(f.default, date) else f.default
            out.append({"name": f.name, "default": default, "doc": f.metadata.get("doc", "")})
        return out
