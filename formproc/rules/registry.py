"""The rule registry: every rule is data (id, severity, fields, message, source, period) plus a check.

A family module registers its rules with the `rule` decorator::

    @rule("DAYS_COUNT", severity="error", fields=("days", "validFrom", "validTo"),
          message="Nr. zile {days} nu corespunde perioadei {validFrom} - {validTo} ({expected} zile)",
          source="Instrucțiuni 2020 art. 11 pct. 15")
    def days_count(r: Certificate, ctx: Context) -> Hit:
        ...
        return None                       # passes
        return {"expected": n}            # one finding; the message's other {names} are record fields
        return [{"...": ...}, ...]        # several findings

The message template is formatted with the values the check returns, falling back to the
record's fields of the same name (dates printed dd.mm.yyyy, absent values as "(lipsă)").
A rule is checked when its period contains the certificate's issue date (`basis="issue"`), or the
initial certificate's issue date for episode rules (`basis="episode"`), only for the indemnity
codes in `codes` (None = every code), on annulled sheets only when `annulled=True`, and only when
one of `needs` is filled (when given). Rules of the `payer` family run only when the payer's part
(Art. 12 fields) is filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterable, Literal, Mapping, Union

from formproc.rules.policy import Policy

Severity = Literal["error", "warning"]
Hit = Union[None, Mapping[str, Any], Iterable[Mapping[str, Any]]]
MISSING = "(lipsă)"


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule on one certificate."""

    rule: str
    severity: Severity
    fields: tuple[str, ...]
    message: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: rule, severity, fields, message, source."""
        return {"rule": self.rule, "severity": self.severity, "fields": list(self.fields),
                "message": self.message, "source": self.source}


@dataclass(slots=True)
class Context:
    """What a check may know beyond the record itself.

    `on` is the date the law is taken as of (the issue date, else the first day of leave, else
    `today`). The episode fields are known for an initial certificate, and for a continuation
    when its chain was found among the records/history given to `validate_records`.
    """

    policy: Policy
    today: date
    on: date
    episode_on: date | None = None      # issue date of the episode's initial certificate
    episode_start: date | None = None   # first day of leave of the episode
    episode_days: int | None = None     # days of the episode up to and including this certificate
    episode_total: int | None = None    # days of the whole episode as known (later certificates too)


def display(value: Any) -> str:
    """A value as a message shows it: dates dd.mm.yyyy, booleans da/nu, absent '(lipsă)'."""
    kind = type(value)
    if kind is str:
        return value or MISSING
    if kind is int:
        return str(value)
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "da" if value else "nu"
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(display(v) for v in value)
    return str(value)


class RecordView:
    """A record's fields as plain attributes: what record checks read.

    It shares the Certificate's own `__dict__` (nothing is copied); reading `r.days` through it
    skips pydantic's attribute hook, which makes the checks several times cheaper in the hot loop.
    """

    def __init__(self, record: Any) -> None:
        self.__dict__ = record.__dict__


class _Values:
    """Message values for `str.format_map`: the check's own, then the record's fields, displayed."""

    __slots__ = ("values", "record")

    def __init__(self, values: Mapping[str, Any], record: Any) -> None:
        self.values = values
        self.record = record

    def __getitem__(self, key: str) -> str:
        if key in self.values:
            return display(self.values[key])
        return display(getattr(self.record, key, None))


@dataclass(frozen=True)
class Rule:
    """One rule of the law (or of the reporting schema) with the period it is in force."""

    id: str
    severity: Severity
    fields: tuple[str, ...]
    message: str
    source: str
    check: Callable[..., Hit] = field(repr=False, compare=False)
    valid_from: date | None = None
    valid_to: date | None = None
    family: str = ""
    scope: Literal["record", "cross"] = "record"
    codes: frozenset[str] | None = None
    annulled: bool = False
    basis: Literal["issue", "episode"] = "issue"
    description: str = ""
    needs: tuple[str, ...] = ()

    def in_force(self, on: date) -> bool:
        """True when the rule applies to a certificate dated `on`."""
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def finding(self, values: Mapping[str, Any], record: Any = None) -> Finding:
        """The finding for one hit, its message filled with the values found.

        A hit may name the exact fields it concerns under "fields" (a subset of the rule's).
        """
        own = values.get("fields")
        return Finding(self.id, self.severity, tuple(own) if own else self.fields,
                       self.message.format_map(_Values(values, record)), self.source)

    def findings(self, hit: Hit, record: Any = None) -> list[Finding]:
        """Findings for what a check returned (None, a mapping, or several mappings)."""
        if hit is None:
            return []
        if isinstance(hit, Mapping):
            return [self.finding(hit, record)]
        return [self.finding(h, record) for h in hit]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (what `formproc rules` prints)."""
        return {"id": self.id, "severity": self.severity, "family": self.family, "scope": self.scope,
                "fields": list(self.fields), "codes": sorted(self.codes) if self.codes else None,
                "annulled": self.annulled, "basis": self.basis, "needs": list(self.needs),
                "validFrom": self.valid_from.isoformat() if self.valid_from else None,
                "validTo": self.valid_to.isoformat() if self.valid_to else None,
                "source": self.source, "message": self.message, "description": self.description}


REGISTRY: dict[str, Rule] = {}


def _day(value: str | date | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def rule(id: str, *, severity: Severity, fields: Iterable[str], message: str, source: str,
         valid_from: str | date | None = None, valid_to: str | date | None = None,
         codes: Iterable[str] | None = None, annulled: bool = False,
         basis: Literal["issue", "episode"] = "issue", scope: Literal["record", "cross"] = "record",
         needs: Iterable[str] = ()) -> Callable[[Callable[..., Hit]], Callable[..., Hit]]:
    """Register a check as a rule; its docstring's first line becomes the rule's description.

    Record rules: `check(record, ctx: Context) -> Hit`, where the engine passes the record's fields as a
    `RecordView` (read attributes only); with `needs`, the check runs only when at
    least one of those fields is filled (a shortcut for rules about optional boxes). Cross rules
    (`scope="cross"`, family cross.py): `check(batch: Batch, ctx: CrossContext) ->
    Iterable[(records concerned, values)]`.
    """
    if severity not in ("error", "warning"):
        raise ValueError(f"rule {id}: severity must be error or warning")

    def register(check: Callable[..., Hit]) -> Callable[..., Hit]:
        if id in REGISTRY:
            raise ValueError(f"rule {id} is registered twice")
        doc = (check.__doc__ or "").strip().splitlines()
        REGISTRY[id] = Rule(id, severity, tuple(fields), message, source, check, _day(valid_from),
                            _day(valid_to), check.__module__.rsplit(".", 1)[-1], scope,
                            frozenset(codes) if codes is not None else None, annulled, basis,
                            doc[0] if doc else "", tuple(needs))
        return check

    return register


def rules(scope: str | None = None) -> list[Rule]:
    """Registered rules in a stable order (family, then id)."""
    return sorted((r for r in REGISTRY.values() if scope is None or r.scope == scope),
                  key=lambda r: (r.family, r.id))
