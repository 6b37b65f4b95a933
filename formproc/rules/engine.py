"""Running the registry: single-certificate rules per record, cross rules per batch.

Speed: the rule dates split time into periods in which no rule starts or ends; the rules that
apply to a (period, episode period, code, status, payer part filled, optional boxes filled)
combination are computed once and cached (rules of the `payer` family run only when the payer's
part is filled), so a record costs one cache look-up plus the checks that apply to it; a message
is formatted only for a finding that fires. Cross rules work on records grouped by CNP and by
series/number, with continuation links and episodes computed once (see `Batch`).
"""

from __future__ import annotations

import gc
import json
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import is_not, itemgetter
from typing import Any, Callable, Iterable, Sequence

from formproc.model import FIELD_NAMES, Certificate, field_item
from formproc.rules import lookup
from formproc.rules.policy import Policy
from formproc.rules.registry import REGISTRY, Context, Finding, RecordView, Rule, rules

Plan = tuple[tuple[Callable[..., Any], Rule], ...]
_PLANS: dict[tuple, Plan] = {}
#: The payer's part of the form (Art. 12): the payer family's rules run only when some of it is filled.
#: (A field counts when it was given, even as null: the rules then run and find nothing.)
PAYER_PART = frozenset(name for name in FIELD_NAMES if field_item(name) == "Art. 12")
_STATE: dict[str, Any] = {"size": -1, "issue": (), "episode": (), "triggers": (), "bounds": [],
                          "present": lambda values: ()}


def rule_date(record: Certificate | RecordView, today: date) -> date:
    """The date the law is taken as of: the issue date, else the first day of leave, else today."""
    return record.issueDate or record.validFrom or today


def _bounds(record_rules: Iterable[Rule]) -> list[date]:
    """The days on which some rule starts or stops being in force, sorted.

    Two dates with as many bounds on or before them see exactly the same rules in force.
    """
    days = set()
    for r in record_rules:
        if r.valid_from is not None:
            days.add(r.valid_from)
        if r.valid_to is not None and r.valid_to < date.max:
            days.add(r.valid_to + timedelta(days=1))
    return sorted(days)


def _presence(triggers: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[bool, ...]]:
    """A function telling, for a record's values, which trigger fields are filled."""
    if not triggers:
        return lambda values: ()
    get = itemgetter(*triggers)
    nones = (None,) * len(triggers)
    if len(triggers) == 1:
        return lambda values: (get(values) is not None,)
    return lambda values: tuple(map(is_not, get(values), nones))


def _refresh() -> None:
    """Recompute the cached rule lists when rules were registered since the last run."""
    lookup.refresh()
    if _STATE["size"] != len(REGISTRY):
        _PLANS.clear()
        record = rules("record")
        triggers = tuple(sorted({name for r in record for name in r.needs}))
        _STATE.update(size=len(REGISTRY), issue=tuple(r for r in record if r.basis == "issue"),
                      episode=tuple(r for r in record if r.basis == "episode"),
                      triggers=triggers, bounds=_bounds(record), present=_presence(triggers))


def _select(basis: str, on: date, code: str | None, annulled: bool, paid: bool,
            filled: set[str]) -> list[tuple[Callable[..., Any], Rule]]:
    """The record rules of one basis that apply to a certificate with these traits."""
    return [(r.check, r) for r in _STATE[basis]
            if (r.annulled or not annulled) and (r.codes is None or code in r.codes) and r.in_force(on)
            and (paid or r.family != "payer") and (not r.needs or not filled.isdisjoint(r.needs))]


def _plan(key: tuple, on: date, episode_on: date, code: str | None, annulled: bool, paid: bool,
          present: tuple[bool, ...]) -> Plan:
    """Issue-date rules as on `on`, then episode rules as on `episode_on`; cached under `key`."""
    filled = {name for name, there in zip(_STATE["triggers"], present) if there}
    plan = tuple(_select("issue", on, code, annulled, paid, filled)
                 + _select("episode", episode_on, code, annulled, paid, filled))
    if len(_PLANS) > 100_000:
        _PLANS.clear()
    _PLANS[key] = plan
    return plan


def _run(view: RecordView, record: Certificate, ctx: Context) -> list[Finding]:
    """Issue-date rules as on the issue date, episode rules as on the initial certificate's date."""
    values = view.__dict__
    code, status, on = values["indemnCode"], values["status"], ctx.on
    episode_on = ctx.episode_on or on
    bounds = _STATE["bounds"]
    paid = not PAYER_PART.isdisjoint(record.model_fields_set)
    present = _STATE["present"](values)
    key = (bisect_right(bounds, on), bisect_right(bounds, episode_on), code, status, paid, present)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan(key, on, episode_on, code, status == "annulled", paid, present)
    out: list[Finding] = []
    for check, r in plan:
        hit = check(view, ctx)
        if hit is not None:
            out.extend(r.findings(hit, record))
    return out


def single_context(record: Certificate | RecordView, today: date, policy: Policy) -> Context:
    """The context of a record validated alone: the episode is known only for an initial certificate."""
    on = rule_date(record, today)
    if record.continuation:
        return Context(policy, today, on)
    return Context(policy, today, on, on, record.validFrom, record.days, record.days)


_DEFAULT_POLICY = Policy()


def validate_record(record: Certificate, today: date | None = None,
                    policy: Policy | None = None) -> list[Finding]:
    """Findings of the single-certificate rules for one record."""
    _refresh()
    today = today or date.today()
    return _run(RecordView(record), record, single_context(record, today, policy or _DEFAULT_POLICY))


def _order(c: RecordView) -> tuple[date, date]:
    return (c.validFrom or date.max, c.issueDate or date.max)


@dataclass(slots=True)
class Episode:
    """One certificate's place in its chain (initial certificate plus continuations)."""

    root: RecordView
    days_so_far: int
    total: int = 0


@dataclass
class Batch:
    """Records to validate plus history, grouped once for every cross rule.

    The batch holds each certificate as a `RecordView` (one per record object; `views` follows
    `records`): cross checks read fields as plain attributes. `by_pid` lists each CNP's live
    certificates by first day of leave; `linked` lists every continuation whose previous
    certificate was found, with that certificate, and `unlinked` every other continuation naming a
    previous certificate, both in `by_pid` order.
    """

    records: Sequence[Certificate]
    history: Sequence[Certificate]
    today: date
    policy: Policy
    views: list[RecordView] = field(default_factory=list)
    by_pid: dict[str, list[RecordView]] = field(default_factory=dict)
    by_key: dict[tuple[str, str], list[RecordView]] = field(default_factory=dict)
    previous: dict[int, RecordView] = field(default_factory=dict)
    linked: list[tuple[RecordView, RecordView]] = field(default_factory=list)
    unlinked: list[RecordView] = field(default_factory=list)
    episodes: dict[int, Episode] = field(default_factory=dict)
    inputs: set[int] = field(default_factory=set)
    _by_code: dict[str, list[RecordView]] = field(default_factory=dict)
    _record: dict[int, Certificate] = field(default_factory=dict)
    _view: dict[int, RecordView] = field(default_factory=dict)

    def __post_init__(self) -> None:
        views, view_of, record_of = [], self._view, self._record
        for r in self.records:
            view = view_of.get(id(r))
            if view is None:
                view = view_of[id(r)] = RecordView(r)
                record_of[id(view)] = r
            views.append(view)
        self.views = views
        self.inputs = set(map(id, self.views))
        by_pid: dict[str, list[RecordView]] = defaultdict(list)
        by_key: dict[tuple[str, str], list[RecordView]] = {}
        for r in self._unique():
            code, number = r.serialCode, r.serialNo
            if code or number:
                key = (code or "", number or "")
                same = by_key.get(key)
                if same is None:
                    by_key[key] = [r]
                else:
                    same.append(r)
            if r.pid and r.status != "annulled":
                by_pid[r.pid].append(r)
        for certs in by_pid.values():
            if len(certs) > 1:
                certs.sort(key=_order)
        self.by_pid = dict(by_pid)
        self.by_key = by_key
        self._link()

    def _view_of(self, record: Certificate) -> RecordView:
        """The record's view (the same one each time the same record object comes back)."""
        view = self._view.get(id(record))
        if view is None:
            view = self._view[id(record)] = RecordView(record)
            self._record[id(view)] = record
        return view

    def record(self, view: RecordView) -> Certificate:
        """The Certificate behind a view of this batch."""
        return self._record[id(view)]

    def _unique(self) -> list[RecordView]:
        """Records then history; a record supersedes a history entry with its series/number (a correction)."""
        if not self.history:
            return list(self.views)
        keys = {(r.serialCode, r.serialNo) for r in self.views}
        fresh = [h for h in self.history if id(h) not in self._view and (h.serialCode, h.serialNo) not in keys]
        return list(self.views) + [self._view_of(h) for h in fresh]

    def _link(self) -> None:
        """Find each continuation's previous certificate (by series/number) and the episode chains."""
        episodes, previous, linked, unlinked = self.episodes, self.previous, self.linked, self.unlinked
        for certs in self.by_pid.values():
            if len(certs) == 1:
                c = certs[0]
                if c.continuation and c.prevSerialNo:
                    unlinked.append(c)
                days = c.days or 0
                episodes[id(c)] = Episode(c, days, days)
                continue
            keyed: dict[tuple[str, str], RecordView] = {}
            for c in certs:
                key = (c.serialCode or "", c.serialNo or "")
                if c.duplicate == 0 or key not in keyed:
                    keyed[key] = c
            for c in certs:
                if c.continuation and c.prevSerialNo:
                    prev = keyed.get((c.prevSerialCode or "", c.prevSerialNo))
                    if prev is not None and prev is not c:
                        previous[id(c)] = prev
                        linked.append((c, prev))
                    else:
                        unlinked.append(c)
            totals: dict[int, int] = {}
            for c in certs:
                ep = episodes.get(id(c))
                if ep is None:
                    prev = previous.get(id(c))
                    base = None if prev is None else episodes.get(id(prev))
                    if prev is None:
                        ep = episodes[id(c)] = Episode(c, c.days or 0)
                    elif base is not None:
                        ep = episodes[id(c)] = Episode(base.root, base.days_so_far + (c.days or 0))
                    else:
                        ep = self._episode(c)
                root = id(ep.root)
                totals[root] = max(totals.get(root, 0), ep.days_so_far)
            for c in certs:
                ep = episodes[id(c)]
                ep.total = totals[id(ep.root)]

    def _episode(self, cert: RecordView) -> Episode:
        """The certificate's episode, walking back the continuation links (cycles end the walk)."""
        path: list[RecordView] = []
        seen: set[int] = set()
        cur: RecordView | None = cert
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

    def with_code(self, code: str) -> list[RecordView]:
        """The live certificates of one indemnity code (computed once per batch)."""
        if not self._by_code:
            for certs in self.by_pid.values():
                for c in certs:
                    self._by_code.setdefault(c.indemnCode or "", []).append(c)
        return self._by_code.get(code, [])

    def is_input(self, record: RecordView) -> bool:
        """True for a record being validated (not history)."""
        return id(record) in self.inputs

    def context(self, record: RecordView) -> Context:
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
    inputs, today, everything = batch.inputs, batch.today, not batch.history
    for r in rules("cross"):
        for concerned, values in r.check(batch, ctx):
            if not everything:
                concerned = [c for c in concerned if id(c) in inputs]
            if not concerned or not r.in_force(rule_date(concerned[0], today)):
                continue
            finding = r.finding(values, batch.record(concerned[0]))
            for c in concerned:
                findings[id(c)].append(finding)


def _unique_findings(found: list[Finding]) -> list[Finding]:
    """The findings without repeats of the same rule and message, in order."""
    if len(found) < 2:
        return found[:]
    seen: set[tuple[str, str]] = set()
    unique = []
    for f in found:
        if (f.rule, f.message) not in seen:
            seen.add((f.rule, f.message))
            unique.append(f)
    return unique


def validate_records(records: Sequence[Certificate], history: Sequence[Certificate] = (),
                     today: date | None = None, policy: Policy | None = None) -> list[list[Finding]]:
    """Findings per input record (same order): single-certificate rules, then cross rules.

    The cyclic garbage collector is paused meanwhile: the run builds no reference cycles, and a
    full collection over a large batch would cost more than the rules themselves.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        _refresh()
        today = today or date.today()
        policy = policy or _DEFAULT_POLICY
        batch = Batch(records, history, today, policy)
        context = batch.context
        findings: dict[int, list[Finding]] = {id(v): _run(v, r, context(v)) for r, v in zip(records, batch.views)}
        _cross(batch, findings)
        return [_unique_findings(findings[id(v)]) for v in batch.views]
    finally:
        if paused:
            gc.enable()


def has_errors(findings: Iterable[Iterable[Finding]]) -> bool:
    """True when any finding is an error."""
    return any(f.severity == "error" for group in findings for f in group)


def findings_json(records: Sequence[Certificate], findings: Sequence[Sequence[Finding]]) -> list[dict[str, Any]]:
    """The `formproc validate` output: one object per record, in input order."""
    return [{"index": i, "serialCode": r.serialCode, "serialNo": r.serialNo,
             "findings": [f.to_dict() for f in fs]} for i, (r, fs) in enumerate(zip(records, findings))]



def findings_text(records: Sequence[Certificate], findings: Sequence[Sequence[Finding]]) -> str:
    """`findings_json` as the JSON text `json.dumps(..., ensure_ascii=False, indent=2)` writes, faster.

    The standard encoder is pure Python when it indents; here an element without findings is
    written from a template (its strings by the C encoder) and only the others go through it.
    """
    scalar = json.JSONEncoder(ensure_ascii=False).encode
    parts = []
    for item in findings_json(records, findings):
        if item["findings"]:
            text = json.dumps(item, ensure_ascii=False, indent=2)
            parts.append("  " + text.replace("\n", "\n  "))  # strings hold no raw newline: only layout
        else:
            parts.append(f'  {{\n    "index": {item["index"]},\n    "serialCode": {scalar(item["serialCode"])},\n'
                         f'    "serialNo": {scalar(item["serialNo"])},\n    "findings": []\n  }}')
    return "[\n" + ",\n".join(parts) + "\n]" if parts else "[]"
