"""Running the registry: single-certificate rules per record, cross rules per batch.

Speed: the rules that apply to a (date, code, status, payer part filled) combination are computed
once and cached (rules of the `payer` family run only when the payer's part is filled);
cross rules work on records grouped by CNP and by series/number (see `Batch`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

from formproc.model import FIELD_NAMES, Certificate, field_item
from formproc.rules import lookup
from formproc.rules.policy import Policy
from formproc.rules.registry import REGISTRY, Context, Finding, Rule, rules

_PLANS: dict[tuple, tuple[tuple[Rule, Any], ...]] = {}
#: The payer's part of the form (Art. 12): the payer family's rules run only when some of it is filled.
#: (A field counts when it was given, even as null: the rules then run and find nothing.)
PAYER_PART = frozenset(name for name in FIELD_NAMES if field_item(name) == "Art. 12")
_STATE: dict[str, Any] = {"size": -1, "issue": (), "episode": (), "triggers": ()}


def rule_date(record: Certificate, today: date) -> date:
    """The date the law is taken as of: the issue date, else the first day of leave, else today."""
    return record.issueDate or record.validFrom or today


def _refresh() -> None:
    """Recompute the cached rule lists when rules were registered since the last run."""
    lookup.refresh()
    if _STATE["size"] != len(REGISTRY):
        _PLANS.clear()
        record = rules("record")
        _STATE.update(size=len(REGISTRY), issue=tuple(r for r in record if r.basis == "issue"),
                      episode=tuple(r for r in record if r.basis == "episode"),
                      triggers=tuple(sorted({name for r in record for name in r.needs})))


def _plan(basis: str, on: date, code: str | None, annulled: bool, paid: bool,
          present: tuple[bool, ...]) -> tuple[tuple[Rule, Any], ...]:
    """The record rules of one basis that apply, cached per (basis, date, code, status, filled boxes)."""
    key = (basis, on, code, annulled, paid, present)
    plan = _PLANS.get(key)
    if plan is None:
        filled = {name for name, there in zip(_STATE["triggers"], present) if there}
        plan = tuple((r, r.check) for r in _STATE[basis]
                     if (r.annulled or not annulled) and (r.codes is None or code in r.codes) and r.in_force(on)
                     and (paid or r.family != "payer") and (not r.needs or not filled.isdisjoint(r.needs)))
        _PLANS[key] = plan
    return plan


def _run(record: Certificate, ctx: Context) -> list[Finding]:
    """Issue-date rules as on the issue date, episode rules as on the initial certificate's date."""
    out: list[Finding] = []
    code, annulled = record.indemnCode, record.status == "annulled"
    paid = not PAYER_PART.isdisjoint(record.model_fields_set)
    values = record.__dict__
    present = tuple(values[name] is not None for name in _STATE["triggers"])
    for plan in (_plan("issue", ctx.on, code, annulled, paid, present),
                 _plan("episode", ctx.episode_on or ctx.on, code, annulled, paid, present)):
        for r, check in plan:
            hit = check(record, ctx)
            if hit is not None:
                out.extend(r.findings(hit, record))
    return out


def single_context(record: Certificate, today: date, policy: Policy) -> Context:
    """The context of a record validated alone: the episode is known only for an initial certificate."""
    on = rule_date(record, today)
    if record.continuation:
        return Context(policy, today, on)
    return Context(policy, today, on, on, record.validFrom, record.days, record.days)


def validate_record(record: Certificate, today: date | None = None,
                    policy: Policy | None = None) -> list[Finding]:
    """Findings of the single-certificate rules for one record."""
    _refresh()
    today = today or date.today()
    return _run(record, single_context(record, today, policy or Policy()))


def _order(c: Certificate) -> tuple[date, date]:
    return (c.validFrom or date.max, c.issueDate or date.max)


@dataclass(slots=True)
class Episode:
    """One certificate's place in its chain (initial certificate plus continuations)."""

    root: Certificate
    days_so_far: int
    total: int = 0


@dataclass
class Batch:
    """Records to validate plus history, grouped once for every cross rule."""

    records: Sequence[Certificate]
    history: Sequence[Certificate]
    today: date
    policy: Policy
    by_pid: dict[str, list[Certificate]] = field(default_factory=dict)
    by_key: dict[tuple[str, str], list[Certificate]] = field(default_factory=dict)
    previous: dict[int, Certificate] = field(default_factory=dict)
    episodes: dict[int, Episode] = field(default_factory=dict)
    inputs: set[int] = field(default_factory=set)
    _by_code: dict[str, list[Certificate]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.inputs = {id(r) for r in self.records}
        by_pid: dict[str, list[Certificate]] = defaultdict(list)
        by_key: dict[tuple[str, str], list[Certificate]] = {}
        for r in self._unique():
            code, number = r.serialCode, r.serialNo
            if code or number:
                by_key.setdefault((code or "", number or ""), []).append(r)
            if r.pid and r.status != "annulled":
                by_pid[r.pid].append(r)
        for certs in by_pid.values():
            if len(certs) > 1:
                certs.sort(key=_order)
        self.by_pid = dict(by_pid)
        self.by_key = by_key
        self._link()

    def _unique(self) -> list[Certificate]:
        """Records then history; a record supersedes a history entry with its series/number (a correction)."""
        if not self.history:
            return list(self.records)
        keys = {(r.serialCode, r.serialNo) for r in self.records}
        return list(self.records) + [h for h in self.history if id(h) not in self.inputs
                                     and (h.serialCode, h.serialNo) not in keys]

    def _link(self) -> None:
        """Find each continuation's previous certificate (by series/number) and the episode chains."""
        for certs in self.by_pid.values():
            if len(certs) == 1:
                c = certs[0]
                self.episodes[id(c)] = Episode(c, c.days or 0, c.days or 0)
                continue
            keyed: dict[tuple[str, str], Certificate] = {}
            for c in certs:
                if c.duplicate == 0 or (c.serialCode or "", c.serialNo or "") not in keyed:
                    keyed[(c.serialCode or "", c.serialNo or "")] = c
            for c in certs:
                if c.continuation and c.prevSerialNo:
                    prev = keyed.get((c.prevSerialCode or "", c.prevSerialNo))
                    if prev is not None and prev is not c:
                        self.previous[id(c)] = prev
            totals: dict[int, int] = {}
            for c in certs:
                ep = self._episode(c)
                root = id(ep.root)
                totals[root] = max(totals.get(root, 0), ep.days_so_far)
            for c in certs:
                ep = self.episodes[id(c)]
                ep.total = totals[id(ep.root)]

    def _episode(self, cert: Certificate) -> Episode:
        """The certificate's episode, walking back the continuation links (cycles end the walk)."""
        path: list[Certificate] = []
        seen: set[int] = set()
        cur: Certificate | None = cert
        base: Episode | None = None
        while cur is not None:
            base = self.episodes.get(id(cur))
            if base is not None:
                break
            path.append(cur)
            seen.add(id(cur))
            prev = self.previous.get(id(cur))
            cur = prev if prev is not None and id(prev) not in seen else None
        for c in reversed(path):
            base = Episode(c, c.days or 0) if base is None else Episode(base.root, base.days_so_far + (c.days or 0))
            self.episodes[id(c)] = base
        return self.episodes[id(cert)]

    def with_code(self, code: str) -> list[Certificate]:
        """The live certificates of one indemnity code (computed once per batch)."""
        if not self._by_code:
            for certs in self.by_pid.values():
                for c in certs:
                    self._by_code.setdefault(c.indemnCode or "", []).append(c)
        return self._by_code.get(code, [])

    def is_input(self, record: Certificate) -> bool:
        """True for a record being validated (not history)."""
        return id(record) in self.inputs

    def context(self, record: Certificate) -> Context:
        """The record's context, with its episode when the chain reaches an initial certificate."""
        ep = self.episodes.get(id(record))
        if ep is None:
            return single_context(record, self.today, self.policy)
        on = rule_date(record, self.today)
        root = ep.root
        if root.continuation:
            return Context(self.policy, self.today, on)
        return Context(self.policy, self.today, on, rule_date(root, self.today), root.validFrom,
                       ep.days_so_far, ep.total)


@dataclass(slots=True)
class CrossContext:
    """What a cross rule may know: the policy and today's date."""

    policy: Policy
    today: date


def _cross(batch: Batch, findings: dict[int, list[Finding]]) -> None:
    ctx = CrossContext(batch.policy, batch.today)
    for r in rules("cross"):
        for concerned, values in r.check(batch, ctx):
            concerned = [c for c in concerned if batch.is_input(c)]
            if not concerned or not _cross_applies(r, concerned[0], batch.today):
                continue
            finding = r.finding(values, concerned[0])
            for c in concerned:
                findings[id(c)].append(finding)


def _cross_applies(r: Rule, record: Certificate, today: date) -> bool:
    return r.in_force(rule_date(record, today))


def validate_records(records: Sequence[Certificate], history: Sequence[Certificate] = (),
                     today: date | None = None, policy: Policy | None = None) -> list[list[Finding]]:
    """Findings per input record (same order): single-certificate rules, then cross rules."""
    _refresh()
    today = today or date.today()
    policy = policy or Policy()
    batch = Batch(records, history, today, policy)
    findings: dict[int, list[Finding]] = {id(r): _run(r, batch.context(r)) for r in records}
    _cross(batch, findings)
    out = []
    for r in records:
        found = findings[id(r)]
        seen: set[tuple[str, str]] = set()
        unique = []
        for f in found:
            if (f.rule, f.message) not in seen:
                seen.add((f.rule, f.message))
                unique.append(f)
        out.append(unique)
    return out


def has_errors(findings: Iterable[Iterable[Finding]]) -> bool:
    """True when any finding is an error."""
    return any(f.severity == "error" for group in findings for f in group)


def findings_json(records: Sequence[Certificate], findings: Sequence[Sequence[Finding]]) -> list[dict[str, Any]]:
    """The `formproc validate` output: one object per record, in input order."""
    return [{"index": i, "serialCode": r.serialCode, "serialNo": r.serialNo,
             "findings": [f.to_dict() for f in fs]} for i, (r, fs) in enumerate(zip(records, findings))]

