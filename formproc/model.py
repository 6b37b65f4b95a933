"""The canonical certificate record: one flat JSON object per certificate.

Names follow ../shared/docs/record-fields.md (the SIUI schema's attribute names where the
schema has the field). The model checks types and length bounds only; the law (formats,
checksums, code lists, consistency) is the rule registry's job, so that a record read from a
scan or typed halfway can still be stored and shown with its findings.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from formproc.errors import InputError
from formproc.files import json_problem


def _field(label: str, item: str | None = None, max_length: int | None = None, **kw: Any) -> Any:
    """A record field carrying its Romanian form label and form item number."""
    extra = {"label": label}
    if item:
        extra["item"] = item
    return Field(default=kw.pop("default", None), title=label, max_length=max_length,
                 json_schema_extra=extra, **kw)


Money = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.99"), decimal_places=2)]
DiagType = Literal["0", "1", "2", "3"]


class Certificate(BaseModel):
    """One certificat de concediu medical, front and payer's part."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=True)

    # Identity of the sheet
    serialCode: str | None = _field("Seria", "titlu", 5)
    serialNo: str | None = _field("Nr.", "titlu", 10)
    status: Literal["issued", "annulled"] = _field("Stare (ANULAT)", "Art. 4", default="issued")
    duplicate: int = _field("DUPLICAT", "Art. 10", default=0, ge=0, le=99)
    duplSerialCode: str | None = _field("Seria certificatului duplicat", "Art. 10", 5)
    duplSerialNo: str | None = _field("Nr. certificatului duplicat", "Art. 10", 10)

    # Doctor's part (Art. 11)
    emergency: str | None = _field("Cod urgență medico-chirurgicală", "1", 3)
    contagious: str | None = _field("Cod boală infectocontagioasă grupa A / izolare", "1", 2)
    isEmergencyRecommendation: bool | None = _field(
        "Acordat la recomandarea medicului care a acordat urgența", "2")
    continuation: bool | None = _field("Inițial / În continuare", "3")
    prevSerialCode: str | None = _field("Seria certificatului anterior", "4", 5)
    prevSerialNo: str | None = _field("Nr. certificatului anterior", "4", 10)
    month: int | None = _field("Valabil pentru luna", "5", ge=1, le=12)
    year: int | None = _field("anul", "5", ge=1900, le=2999)
    indemnCode: str | None = _field("Cod indemnizație", "6", 2)
    insuredOrgUnit: str | None = _field("Asigurat în evidența CAS", "7", 20)
    lastName: str | None = _field("Numele", "8", 100)
    firstName: str | None = _field("Prenumele", "8", 100)
    pid: str | None = _field("Cod numeric personal", "9", 13)
    childPid: str | None = _field("CNP copil bolnav / pacient cu afecțiuni oncologice", "9", 13)
    cid: str | None = _field("Cod de identificare asigurat (SIUI)", None, 20)
    cardNo: str | None = _field("Număr card de sănătate", None, 16)
    childCid: str | None = _field("Cod de identificare copil (SIUI)", None, 20)
    address: str | None = _field("Domiciliul / reședința", "10", 300)
    regNo: str | None = _field("Nr. înregistrare RC/FO", "11", 12)
    certType: Literal["AM", "IN", "EX"] | None = _field("Ambulator / internat în spital / externare", "12")
    ward: str | None = _field("Secția", "12", 60)
    issueDate: date | None = _field("Data acordării", "14")
    days: int | None = _field("Nr. zile calendaristice", "15", ge=0, le=999)
    validFrom: date | None = _field("De la", "16")
    validTo: date | None = _field("Până la", "16")
    diagCode: str | None = _field("Cod diagnostic", "17", 3)
    diagType: DiagType | None = _field("Acut / Subacut / Cronic / Prevenție", "17")
    externDays: int | None = _field("Nr. zile (concediu medical la externare)", "13", ge=0, le=999)
    externValidFrom: date | None = _field("De la (concediu medical la externare)", "13")
    externValidTo: date | None = _field("Până la (concediu medical la externare)", "13")
    externDiagCode: str | None = _field("Cod diagnostic (concediu medical la externare)", "13", 3)
    externDiagType: DiagType | None = _field("Tip diagnostic (concediu medical la externare)", "13")
    unitType: str | None = _field("Unitatea sanitară emitentă", "18", 100)
    issuerType: Literal["MF", "SPEC", "SPITAL", "UPU", "CAS"] | None = _field(
        "Tip emitent (medic de familie, specialist ambulatoriu, spital, UPU, CAS)")
    conventionNo: str | None = _field("Nr. convenție", "19", 20)
    conventionCas: str | None = _field("Convenție cu CAS", "19", 20)
    doctorName: str | None = _field("Medic (nume, prenume)", "20", 100)
    cheifStencil: str | None = _field("Cod parafă medic șef secție", "21", 6)
    cui: str | None = _field("C.U.I. unitate sanitară", "22", 13)
    stencil: str | None = _field("Cod parafă medic", "23", 6)
    casIssuer: str | None = _field("CAS emitentă", "24", 20)
    observations: str | None = _field("Observații", "verso", 2000)

    # Approvals (Art. 13)
    expertNo: str | None = _field("Aviz medic expert: Nr.", "Art. 13", 6)
    expertDate: date | None = _field("Aviz medic expert: Data", "Art. 13")
    expertName: str | None = _field("Aviz medic expert: Nume", "Art. 13", 100)
    expertStencil: str | None = _field("Aviz medic expert: Cod parafă", "Art. 13", 6)
    pensionHouseDate: date | None = _field("Aviz Casa Teritorială de Pensii: Data", "Art. 13")
    dspDate: date | None = _field("Aviz DSP: Data", "Art. 13")
    maternName: str | None = _field("Aviz risc maternal: Nume medic medicina muncii", "Art. 13", 100)
    maternStencil: str | None = _field("Aviz risc maternal: Cod parafă", "Art. 13", 6)

    # Payer's part (Art. 12)
    payerVisa: Literal["accepted", "refused"] | None = _field("Viza plătitorului", "Art. 12")
    payerRefusalReason: str | None = _field("Motivul refuzului", "Art. 12", 300)
    payerName: str | None = _field("Plătitor", "Art. 12", 150)
    payerAddress: str | None = _field("Sediul", "Art. 12", 300)
    payerCui: str | None = _field("C.U.I. plătitor", "Art. 12", 13)
    employeeCount: int | None = _field("Număr angajați", "Art. 12", ge=0, le=9_999_999)
    insuredType: Literal["A", "B", "somer", "art1_2", "legea346"] | None = _field("Tip asigurat", "Art. 12")
    paymentPercent: Literal[55, 65, 75, 80, 85, 90, 100] | None = _field("Procent plată", "Art. 12")
    prevention: bool | None = _field("Prevenire", "Art. 12")
    baseAmount: Money | None = _field("Baza de calcul", "Art. 12")
    baseDays: int | None = _field("Zile bază de calcul", "Art. 12", ge=0, le=366)
    dailyAverage: Money | None = _field("Media zilnică", "Art. 12")
    indemnityAmount: Money | None = _field("Cuantum", "Art. 12")
    employerDays: int | None = _field("Zile suportate de angajator", "Art. 12", ge=0, le=366)
    employerAmount: Money | None = _field("Suma suportată de angajator", "Art. 12")
    fnuassDays: int | None = _field("Zile suportate din FNUASS", "Art. 12", ge=0, le=366)
    fnuassAmount: Money | None = _field("Suma suportată din FNUASS", "Art. 12")
    faambpDays: int | None = _field("Zile suportate din FAAMBP", "Art. 12", ge=0, le=366)
    faambpAmount: Money | None = _field("Suma suportată din FAAMBP", "Art. 12")

    def to_json_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data, absent fields omitted (status/duplicate always kept)."""
        return self.model_dump(mode="json", exclude_none=True)

    @property
    def key(self) -> tuple[str, str]:
        """Series and number: the sheet's identity."""
        return (self.serialCode or "", self.serialNo or "")


FIELD_NAMES: tuple[str, ...] = tuple(Certificate.model_fields)


def field_label(name: str) -> str:
    """The Romanian label printed on the form for a record field."""
    return Certificate.model_fields[name].title or name


def field_item(name: str) -> str | None:
    """The form item number (Art. 11-13 of the 2020 instructions) of a record field."""
    extra = Certificate.model_fields[name].json_schema_extra
    return extra.get("item") if isinstance(extra, dict) else None  # type: ignore[return-value]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the canonical record."""
    schema = Certificate.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://formproc.ro/schema/certificate.json"
    return schema


def _first_error(exc: ValidationError, where: str) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(record)"
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown field '{loc}'"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: field '{loc}': {err['msg']}{more}"


def parse_record(data: Any, where: str = "record") -> Certificate:
    """Validate one decoded JSON object; a bad field is an InputError naming it."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    try:
        return Certificate.model_validate(data)
    except ValidationError as exc:
        raise InputError(_first_error(exc, where)) from None


def loads_records(text: str, source: str = "input") -> list[Certificate]:
    """Records from a JSON array, a JSON object or JSON Lines."""
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{source}: empty input, expected JSON records")
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        data = None
        lines = [ln for ln in stripped.splitlines() if ln.strip()]
        if len(lines) < 2:
            raise InputError(f"{source}: not valid JSON or JSON Lines") from None
        items = []
        for n, line in enumerate(lines, 1):
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{source}: line {n}: invalid JSON ({exc.msg})") from None
            except (ValueError, RecursionError) as exc:
                raise InputError(f"{source}: line {n}: {json_problem(exc)}") from None
        return [parse_record(obj, f"{source}: line {n}") for n, obj in enumerate(items, 1)]
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{source}: {json_problem(exc)}") from None
    if isinstance(data, list):
        return [parse_record(obj, f"{source}: record {i}") for i, obj in enumerate(data)]
    return [parse_record(data, source)]


def read_records(path: str) -> list[Certificate]:
    """Records from a file (JSON array, object or JSON Lines); '-' reads standard input."""
    from formproc.files import read_text

    return loads_records(read_text(path), path)


def dumps_records(records: Iterable[Certificate], lines: bool = False) -> str:
    """Records as a JSON array (indented) or as JSON Lines."""
    dicts = [r.to_json_dict() for r in records]
    if lines:
        return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dicts)
    return json.dumps(dicts, ensure_ascii=False, indent=2) + "\n"
