"""The payer's part of a certificate (Instrucțiuni 2020 art. 12), computed with every step explained.

Method (docs/payer.md): the calculation base of the episode's first month (OUG 158/2005 art. 10,
Norme art. 61-62), the percent by code and episode (OUG art. 17, Norme art. 30^1), the working days
of leave by schedule (Norme art. 31), who pays which day (OUG art. 12, Legea 346/2002 art. 34, OUG
91/2025 art. II / Norme art. 78^4), the amounts, and for an episode the recomputation of the earlier
certificates with the differences owed (OUG art. 17 alin. (1^2)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Literal, Sequence

from formproc.calendar import days_between
from formproc.catalogs import Entry, catalog, indemnity_percent
from formproc.errors import InputError
from formproc.model import Certificate
from formproc.payer.episode import Leave, episode_of
from formproc.payer.incomes import MonthIncome
from formproc.payer.policy import PayerPolicy, payer_policy
from formproc.payer.schedule import Schedule
from formproc.payer.wages import minimum_wage_for_month
from formproc.rules.policy import Policy

Payer = Literal["employer", "fnuass", "faambp", "unpaid"]
CENT = Decimal("0.01")
UNPAID_FROM, UNPAID_TO = date(2026, 2, 1), date(2027, 12, 31)
ONE_DAY_PER_EPISODE_FROM = date(2026, 5, 18)
ACCIDENT_CODES = frozenset({"02", "03", "04", "11"})
OTHER_INSURED = frozenset({"B", "somer", "art1_2"})
PAYER_FIELDS = ("paymentPercent", "prevention", "baseAmount", "baseDays", "dailyAverage", "indemnityAmount",
                "employerDays", "employerAmount", "fnuassDays", "fnuassAmount", "faambpDays", "faambpAmount")
_PNS = re.compile(r"\bPNS\b")


def lei(amount: Decimal) -> str:
    """An amount as Romanian text: 24.300,00 lei."""
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} lei"


def money(amount: Decimal) -> Decimal:
    """Two decimals, ROUND_HALF_UP."""
    return amount.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Step:
    """One step of the computation: what was done, with its numbers, and the article applied."""

    name: str
    text: str
    source: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        value = str(self.value) if isinstance(self.value, Decimal) else self.value
        return {"step": self.name, "text": self.text, "source": self.source, "value": value}


@dataclass(frozen=True)
class Day:
    """One calendar day of leave: its place in the episode and who pays it."""

    day: date
    episode_day: int
    working: bool
    payer: Payer | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"date": self.day.isoformat(), "episodeDay": self.episode_day, "working": self.working,
                "payer": self.payer}


@dataclass(frozen=True)
class Difference:
    """What an earlier certificate of the episode owes after the episode's percent went up."""

    serialCode: str | None
    serialNo: str | None
    month: str
    previousPercent: int | None
    percent: int | None
    previousAmount: Decimal
    amount: Decimal
    employerDifference: Decimal
    fnuassDifference: Decimal

    @property
    def difference(self) -> Decimal:
        """Amount owed (new minus paid)."""
        return self.amount - self.previousAmount

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, money as strings with 2 decimals."""
        return {"serialCode": self.serialCode, "serialNo": self.serialNo, "month": self.month,
                "previousPercent": self.previousPercent, "percent": self.percent,
                "previousAmount": str(self.previousAmount), "amount": str(self.amount),
                "difference": str(self.difference), "employerDifference": str(self.employerDifference),
                "fnuassDifference": str(self.fnuassDifference)}


@dataclass
class PayerResult:
    """The payer fields of one certificate (canonical names), with the explanation."""

    paymentPercent: int | None
    prevention: bool
    baseAmount: Decimal
    baseDays: int
    dailyAverage: Decimal
    indemnityAmount: Decimal
    employerDays: int
    employerAmount: Decimal
    fnuassDays: int
    fnuassAmount: Decimal
    faambpDays: int
    faambpAmount: Decimal
    explanation: list[Step] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The payer fields under their canonical record names."""
        return {name: getattr(self, name) for name in PAYER_FIELDS}

    def apply(self, cert: Certificate) -> Certificate:
        """A copy of the certificate with the payer fields filled in."""
        return cert.model_copy(update=self.fields())

    def to_dict(self) -> dict[str, Any]:
        """JSON: the payer fields as the record serialises them, then explanation, days, differences."""
        dumped = Certificate.model_validate(self.fields()).model_dump(mode="json", include=set(PAYER_FIELDS))
        out: dict[str, Any] = {name: dumped[name] for name in PAYER_FIELDS}
        out["explanation"] = [s.to_dict() for s in self.explanation]
        out["days"] = [d.to_dict() for d in self.days]
        out["differences"] = [d.to_dict() for d in self.differences]
        return out


def explanation_text(result: PayerResult) -> str:
    """The explanation as printable lines: one numbered step per line with its source."""
    return "\n".join(f"{n}. {s.text} [{s.source}]" for n, s in enumerate(result.explanation, 1)) + "\n"


# ---------------------------------------------------------------- calculation base


@dataclass(frozen=True)
class Base:
    """The calculation base of an episode (kept for every continuation, Norme art. 33 alin. (2))."""

    amount: Decimal
    days: int
    daily: Decimal
    months: tuple[MonthIncome, ...]
    working_days: int
    steps: tuple[Step, ...]


def compute_base(incomes: Sequence[MonthIncome], leave_month: tuple[int, int], code: str, insured: str | None,
                 schedule: Schedule, policy: PayerPolicy) -> Base:
    """ΣV (each month capped), NTZ (each month at most its working days) and Mzbci = ΣV : NTZ."""
    first = leave_month[0] * 12 + leave_month[1] - 1
    window = [i for i in incomes if first - 6 <= i.index < first]
    label = f"{leave_month[0]:04d}-{leave_month[1]:02d}"
    if not window:
        raise InputError(f"incomes: none of the 6 months before {label} is given")
    accident = code in ACCIDENT_CODES
    capped = not accident or policy.work_accident_income_cap
    multiple = 3 if insured == "art1_2" else 12
    steps: list[Step] = []
    total, days, working_total = Decimal(0), 0, 0
    for m in window:
        wage = minimum_wage_for_month(m.year, m.month)
        cap = wage.amount * multiple
        counted = min(m.income, cap) if capped else m.income
        working = schedule.working_days_in_month(m.year, m.month)
        worked = min(m.days_worked, working)
        text = f"Luna {m.label}: venit {lei(m.income)}, {m.days_worked} zile lucrate"
        if counted != m.income:
            text += f"; plafonat la {multiple} x {lei(wage.amount)} = {lei(cap)} ({wage.source})"
        if worked != m.days_worked:
            text += f"; zile reduse la {worked}, zilele lucrătoare ale lunii"
        src = ("Legea 346/2002 art. 33 alin. (1)" if accident else
               "OUG 158/2005 art. 10 alin. (3); Norme art. 61 alin. (1^1)" if multiple == 3 else
               "OUG 158/2005 art. 10 alin. (1); Norme art. 61 alin. (1), art. 62 alin. (1)")
        steps.append(Step(f"month:{m.label}", text, src, str(money(counted))))
        total += counted
        days += worked
        working_total += working
    if days == 0:
        raise InputError(f"incomes: no days worked in the months before {label}")
    rounding = ROUND_DOWN if policy.daily_average_rounding == "down" else ROUND_HALF_UP
    total = money(total)
    daily = (total / days).quantize(CENT, rounding)
    how = "trunchiat" if rounding == ROUND_DOWN else "rotunjit"
    steps.append(Step("baseAmount", f"Baza de calcul ΣV = {lei(total)} ({len(window)} luni din cele 6 "
                      f"dinaintea lunii {label})", "Instrucțiuni 2020 art. 12 pct. 8; Norme art. 61", str(total)))
    steps.append(Step("baseDays", f"Zile bază de calcul NTZ = {days}", "Instrucțiuni 2020 art. 12 pct. 9; "
                      "Norme art. 62 alin. (1)", days))
    steps.append(Step("dailyAverage", f"Media zilnică Mzbci = {lei(total)} : {days} = {lei(daily)} "
                      f"({how} la 2 zecimale)", "Instrucțiuni 2020 art. 12 pct. 10; Norme art. 62 alin. (1)",
                      str(daily)))
    return Base(total, days, daily, tuple(window), working_total, tuple(steps))


# ---------------------------------------------------------------- percent and who pays


def _entry(cert: Certificate, on: date) -> Entry:
    if not cert.indemnCode:
        raise InputError(f"certificate {' '.join(cert.key)}: indemnCode is needed to compute the payer part")
    entry = catalog("indemnity").get(cert.indemnCode, on)
    if entry is None:
        raise InputError(f"indemnity code {cert.indemnCode} is not valid on {on.isoformat()}")
    return entry


def payment_percent(code: str, on: date, episode_days: int, cert: Certificate,
                    policy: Policy) -> tuple[int | None, bool, Step]:
    """The percent box and the Prevenire box, with the step explaining them."""
    entry = _entry(cert, on)
    prevention = bool(entry.attrs.get("prevention")) or code == "07"
    if code in ACCIDENT_CODES - {"11"}:
        percent: int | None = 100 if cert.emergency else 80
        why = ("urgență medico-chirurgicală" if cert.emergency else "accident de muncă / boală profesională")
        return percent, False, Step("paymentPercent", f"Procent {percent}% (cod {code}, {why})",
                                    "Legea 346/2002 art. 33 alin. (1), (3); Instrucțiuni 2020 art. 12 pct. 2, 7 d)",
                                    percent)
    percent = indemnity_percent(code, on, episode_days, policy.code01_day15_percent)
    if percent is None:
        src = "Legea 346/2002 art. 39-41" if code == "11" else "OUG 158/2005 art. 19 alin. (3); Norme art. 63"
        return None, True, Step("paymentPercent", f"Cod {code}: se bifează „Prevenire”, fără procent; "
                                "indemnizația este diferența de venit, cel mult 25% din bază",
                                src + "; Instrucțiuni 2020 art. 12 pct. 7 b)", None)
    if code == "01" and entry.attrs["percent"][-1].get("bands") and on >= date(2025, 8, 1):
        band = ("până la 7 zile" if episode_days <= 7 else "8-14 zile" if episode_days <= 14 else
                "exact 15 zile (setarea code01_day15_percent)" if episode_days == 15 else "peste 15 zile")
        text = f"Procent {percent}%: episodul are {episode_days} zile calendaristice ({band})"
        src = "OUG 158/2005 art. 17 alin. (1); Norme art. 30^1"
    else:
        text = f"Procent {percent}% pentru codul {code}" + (" (și „Prevenire”)" if prevention else "")
        src = entry.attrs.get("source", "OUG 158/2005 art. 17")
    return percent, prevention, Step("paymentPercent", text, src, percent)


def _payer_kind(entry: Entry, cert: Certificate) -> str:
    kind = str(entry.attrs.get("payer", "fnuass"))
    if kind == "employer5" and cert.insuredType in OTHER_INSURED:
        return "fnuass"
    return kind


@dataclass(frozen=True)
class UnpaidRule:
    """Whether the first-unpaid-day regime applies to a certificate and whether it loses its day."""

    regime: bool
    loses: bool
    step: Step | None


def unpaid_rule(leave: Leave, entry: Entry, code: str, lost_before: bool, policy: PayerPolicy) -> UnpaidRule:
    """OUG 91/2025 art. II (Legea 64/2026) / Norme art. 78^4 for one certificate of an episode."""
    cert = leave.cert
    issued = cert.issueDate or leave.start
    src = "OUG 91/2025 art. II alin. (1); Norme art. 78^4 alin. (1)"
    if not UNPAID_FROM <= issued <= UNPAID_TO:
        return UnpaidRule(False, False, None)
    if code in ACCIDENT_CODES and not policy.work_accident_first_day_unpaid:
        return UnpaidRule(False, False, Step("firstDay", f"Cod {code} (Legea 346/2002): fără zi neplătită "
                                             "(setarea work_accident_first_day_unpaid)", src, False))
    if code == "51" and not policy.code51_first_day_unpaid:
        return UnpaidRule(False, False, Step("firstDay", "Cod 51 (izolare): fără zi neplătită, ca ANAF D112 "
                                             "(setarea code51_first_day_unpaid)", src, False))
    if issued >= policy.unpaid_day_exemptions_from:
        reason = None
        if entry.attrs.get("firstDayUnpaidExempt"):
            reason, where = f"codul {code} este exceptat", "alin. (4)"
        elif cert.observations and _PNS.search(cert.observations):
            reason, where = "bolnav inclus în programele naționale de sănătate (PNS în Observații)", "alin. (4)"
        elif cert.certType in policy.hospital_cert_types:
            reason, where = "certificat eliberat în regim de spitalizare", "alin. (5)"
        if reason:
            return UnpaidRule(False, False, Step(
                "firstDay", f"Fără zi neplătită: {reason}",
                f"OUG 91/2025 art. II {where}, Legea 64/2026 art. VI alin. (4); Norme art. 78^4 alin. (2^1), (2^2)",
                False))
    if lost_before and issued >= ONE_DAY_PER_EPISODE_FROM:
        return UnpaidRule(True, False, Step("firstDay", "Episodul a pierdut deja o zi: certificatul în continuare "
                                            "nu mai scade nicio zi", "OUG 91/2025 art. II alin. (1^1); "
                                            "Norme art. 78^4 alin. (1^1)", False))
    which = "prima zi lucrătoare" if policy.first_unpaid_day == "working" else "prima zi calendaristică"
    return UnpaidRule(True, True, Step("firstDay", f"Certificat emis la {issued:%d.%m.%Y}: indemnizația se "
                                       f"diminuează cu o zi ({which}, setarea first_unpaid_day)",
                                       src + ", alin. (4)", True))


def classify_days(leave: Leave, episode_start: date, kind: str, rule: UnpaidRule, schedule: Schedule,
                  policy: PayerPolicy) -> list[Day]:
    """Who pays each calendar day of the leave (None on days off)."""
    days = list(days_between(leave.start, leave.end))
    unpaid: date | None = None
    if rule.loses:
        if policy.first_unpaid_day == "working":
            unpaid = next((d for d in days if schedule.is_working(d)), None)
        else:
            unpaid = leave.start
    if kind == "employer5":
        window = range(2, 7) if rule.regime else range(1, 6)
        rest: Payer = "fnuass"
    elif kind == "accident3":
        window, rest = range(1, 4), "faambp"
    else:
        window, rest = range(0), "faambp" if kind == "faambp" else "fnuass"
    out = []
    for d in days:
        k = (d - episode_start).days + 1
        working = schedule.is_working(d)
        payer: Payer | None = None
        if working:
            payer = "unpaid" if d == unpaid else "employer" if k in window else rest
        out.append(Day(d, k, working, payer))
    return out


# ---------------------------------------------------------------- amounts


def _round(amount: Decimal, policy: PayerPolicy) -> Decimal:
    if policy.indemnity_rounding == "lei":
        return amount.quantize(Decimal(1), ROUND_HALF_UP).quantize(CENT)
    return money(amount)


def _prevention_month(code: str, base: Base, incomes: Sequence[MonthIncome],
                      leave: Leave) -> tuple[Decimal, list[Step]]:
    """Monthly indemnity for codes 10/11: base month income minus the reduced salary, at most 25%."""
    reduced = next((i for i in incomes if (i.year, i.month) == (leave.start.year, leave.start.month)), None)
    if reduced is None:
        raise InputError(f"incomes: code {code} needs the salary earned in {leave.start:%Y-%m} on reduced time or "
                         "in the other job, as an incomes entry for that month")
    if code == "10":
        mntz = (Decimal(base.working_days) / len(base.months)).quantize(CENT, ROUND_DOWN)
        monthly = money(base.amount / base.days * mntz)
        text = f"Bcli = {lei(base.amount)} : {base.days} x {mntz} = {lei(monthly)}"
        src = "OUG 158/2005 art. 19 alin. (3); Norme art. 63"
    else:
        monthly = money(base.amount / len(base.months))
        text = f"Media veniturilor lunare = {lei(base.amount)} : {len(base.months)} = {lei(monthly)}"
        src = "Legea 346/2002 art. 41 alin. (2)"
    cap = money(monthly * Decimal("0.25"))
    diff = monthly - reduced.income
    amount = max(min(diff, cap), Decimal(0))
    steps = [Step("preventionBase", text, src, str(monthly)),
             Step("preventionMonthly", f"Indemnizația lunară = {lei(monthly)} - {lei(reduced.income)} = {lei(diff)}, "
                  f"cel mult 25% = {lei(cap)}: {lei(amount)}", src, str(amount))]
    return amount, steps


def _amounts(result_days: list[Day], percent: int | None, daily: Decimal, monthly: Decimal | None,
             month_working: int, policy: PayerPolicy) -> tuple[Decimal, Decimal, Decimal, str]:
    """Indemnity and the employer's amount; the rest goes to the one fund paying the other days."""
    counts = {p: sum(1 for d in result_days if d.payer == p) for p in ("employer", "fnuass", "faambp")}
    paid = counts["employer"] + counts["fnuass"] + counts["faambp"]
    if monthly is not None:
        raw_total = monthly * paid / month_working if month_working else Decimal(0)
        raw_employer = Decimal(0)
        formula = f"{lei(monthly)} x {paid} : {month_working} zile lucrătoare ale lunii"
    else:
        rate = daily * Decimal(percent or 0) / 100
        raw_total, raw_employer = rate * paid, rate * counts["employer"]
        formula = f"{lei(daily)} x {percent}% x {paid} zile"
    return _round(raw_total, policy), _round(raw_employer, policy), raw_total, formula


# ---------------------------------------------------------------- the computation


def _leave_result(leave: Leave, start: date, base: Base, percent: int | None, prevention: bool, pstep: Step,
                  rule: UnpaidRule, kind: str, incomes: Sequence[MonthIncome], schedule: Schedule,
                  policy: PayerPolicy) -> PayerResult:
    code = leave.cert.indemnCode or ""
    days = classify_days(leave, start, kind, rule, schedule, policy)
    steps = list(base.steps) + [pstep]
    monthly = None
    month_working = 0
    if percent is None:
        monthly, psteps = _prevention_month(code, base, incomes, leave)
        month_working = schedule.working_days_in_month(leave.start.year, leave.start.month)
        steps += psteps
    if rule.step:
        steps.append(rule.step)
    working = sum(1 for d in days if d.working)
    steps.append(Step("workingDays", f"Perioada {leave.start:%d.%m.%Y} - {leave.end:%d.%m.%Y} (zilele "
                      f"{days[0].episode_day}-{days[-1].episode_day} ale episodului): {len(days)} zile "
                      f"calendaristice, {working} zile lucrătoare ({schedule.describe()})",
                      "OUG 158/2005 art. 10 alin. (8)-(9); Norme art. 31 alin. (2), art. 57", working))
    total, employer, raw, formula = _amounts(days, percent, base.daily, monthly, month_working, policy)
    counts = {p: sum(1 for d in days if d.payer == p) for p in ("employer", "fnuass", "faambp", "unpaid")}
    fnuass = total - employer if counts["fnuass"] else Decimal("0.00")
    faambp = total - employer if counts["faambp"] else Decimal("0.00")
    rounding = "rotunjit la leu" if policy.indemnity_rounding == "lei" else "rotunjit la bani"
    minus = " (fără ziua neplătită)" if counts["unpaid"] else ""
    steps.append(Step("indemnityAmount", f"Cuantum = {formula}{minus} = {lei(money(raw))}, {rounding}: {lei(total)}",
                      "Instrucțiuni 2020 art. 12 pct. 11; Norme art. 62 alin. (2)"
                      + (", art. 78^4 alin. (4)" if counts["unpaid"] else ""), str(total)))
    split_src = {"employer5": "OUG 158/2005 art. 12; Norme art. 31 alin. (1)" + (", art. 78^4 alin. (1)"
                                                                                  if rule.regime else ""),
                 "accident3": "Legea 346/2002 art. 34",
                 "fnuass": "OUG 158/2005 art. 12 lit. B, art. 22, 25, 26 alin. (2), 30^3, 31 alin. (2)",
                 "faambp": "Legea 346/2002 art. 39-41"}[kind]
    steps.append(Step("split", f"Angajator: {counts['employer']} zile, {lei(employer)}; FNUASS: {counts['fnuass']} "
                      f"zile, {lei(fnuass)}; FAAMBP: {counts['faambp']} zile, {lei(faambp)}"
                      + (f"; neplătită: {counts['unpaid']} zi" if counts["unpaid"] else ""),
                      split_src + "; Instrucțiuni 2020 art. 12 pct. 12", None))
    return PayerResult(percent, prevention, base.amount, base.days, base.daily, total, counts["employer"], employer,
                       counts["fnuass"], fnuass, counts["faambp"], faambp, steps, days)


def compute_episode(cert: Certificate, incomes: Sequence[MonthIncome], schedule: Schedule | None = None,
                    history: Sequence[Certificate] = (), policy: Policy | None = None) -> list[PayerResult]:
    """Every certificate of the episode up to `cert`, at the percent of the whole episode so far.

    The last result is `cert`'s; it carries the differences owed for the earlier certificates when
    the episode's total days moved code 01 into a higher band (Norme art. 30^1).
    """
    pol = payer_policy(policy)
    sched = schedule or Schedule()
    leaves, notes = episode_of(cert, history)
    first = leaves[0]
    on = first.cert.issueDate or first.start
    code = cert.indemnCode or ""
    base = compute_base(incomes, (first.start.year, first.start.month), code, cert.insuredType, sched, pol)
    total_days = sum(lv.days for lv in leaves)
    results: list[PayerResult] = []
    paid_before: list[tuple[int | None, Decimal, Decimal, Decimal]] = []
    lost = False
    running = 0
    for lv in leaves:
        lv_code = lv.cert.indemnCode or code
        entry = _entry(lv.cert.model_copy(update={"indemnCode": lv_code}), on)
        kind = _payer_kind(entry, lv.cert)
        rule = unpaid_rule(lv, entry, lv_code, lost, pol)
        lost = lost or rule.loses
        running += lv.days
        percent, prevention, pstep = payment_percent(lv_code, on, total_days, lv.cert, pol)
        results.append(_leave_result(lv, first.start, base, percent, prevention, pstep, rule, kind, incomes,
                                     sched, pol))
        if lv is not leaves[-1]:
            then_pct, _, then_step = payment_percent(lv_code, on, running, lv.cert, pol)
            then = _leave_result(lv, first.start, base, then_pct, prevention, then_step, rule, kind, incomes,
                                 sched, pol)
            paid_before.append((then_pct, then.indemnityAmount, then.employerAmount, then.fnuassAmount))
    last = results[-1]
    if len(leaves) > 1:
        last.explanation.insert(len(base.steps), Step(
            "episode", f"Episod de {len(leaves)} certificate, {total_days} zile calendaristice, început la "
            f"{first.start:%d.%m.%Y}; baza de calcul a certificatului inițial se păstrează",
            "Norme art. 30^1, art. 33 alin. (2)", total_days))
    for note in notes:
        last.explanation.insert(len(base.steps), Step("episodeNote", note, "Norme art. 32-33", None))
    for lv, res, (pct, amount, emp, fn) in zip(leaves, results, paid_before):
        prev = _recorded(lv.cert) or (pct, amount, emp, fn)
        if prev[1] != res.indemnityAmount:
            diff = Difference(lv.cert.serialCode, lv.cert.serialNo, f"{lv.start:%Y-%m}", prev[0], res.paymentPercent,
                              prev[1], res.indemnityAmount, res.employerAmount - prev[2], res.fnuassAmount - prev[3])
            last.differences.append(diff)
            last.explanation.append(Step(
                "difference", f"Recalculare {lv.name} ({diff.month}): {prev[0]}% -> {res.paymentPercent}%, "
                f"{lei(prev[1])} -> {lei(res.indemnityAmount)}, diferență {lei(diff.difference)}",
                "Norme art. 30^1; OUG 158/2005 art. 17 alin. (1^2)", str(diff.difference)))
    return results


def _recorded(cert: Certificate) -> tuple[int | None, Decimal, Decimal, Decimal] | None:
    """What an earlier certificate says it paid, when its payer part is filled in."""
    if cert.indemnityAmount is None:
        return None
    return (cert.paymentPercent, cert.indemnityAmount, cert.employerAmount or Decimal("0.00"),
            cert.fnuassAmount or Decimal("0.00"))


def compute(cert: Certificate, incomes: Sequence[MonthIncome], schedule: Schedule | None = None,
            history: Sequence[Certificate] = (), policy: Policy | None = None) -> PayerResult:
    """The payer part of `cert` (with its episode from `history`), explained step by step."""
    if cert.status == "annulled":
        raise InputError(f"certificate {' '.join(cert.key)} is annulled: it has no payer part")
    return compute_episode(cert, incomes, schedule, history, policy)[-1]
