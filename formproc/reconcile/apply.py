"""Acting on a reconciliation: the accepted paper values go into the store.

`accept` updates the stored certificate with the accepted differences (audited with the reason
"reconciled", the scan kept and linked to the certificate), re-runs validation, and, when the
certificate's month was already reported to the CAS, queues it for the next rectificative
report: M for changed values, S when the paper is marked ANULAT. A DUPLICAT issued on paper is a
new certificate (the paper's series/number, the original's in duplSerialCode/duplSerialNo), stored
and queued as A. `rectificative_report` builds that next report from the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from datetime import date
from typing import Any, Sequence

from formproc.errors import InputError
from formproc.model import Certificate, parse_record
from formproc.reconcile.compare import Difference

#: report states in which the CAS holds the report's certificates
SUBMITTED = ("sent", "validated", "with_errors")


@dataclass
class Accepted:
    """What an acceptance changed: the certificate saved, its findings, the queue entry, the scan."""

    certificate_id: int
    version: int
    record: Certificate
    fields: list[str]
    findings: list[dict[str, Any]]
    correction_type: str | None
    rectification_id: int | None
    scan_id: int
    notes: list[str] = dc_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"certificate_id": self.certificate_id, "version": self.version, "fields": self.fields,
                "correctionType": self.correction_type, "rectification_id": self.rectification_id,
                "scan_id": self.scan_id, "findings": self.findings, "notes": self.notes}


def _chosen(differences: Sequence[Difference], fields: Sequence[str] | None) -> list[Difference]:
    """The differences to take over: the named ones, else every readable one read surely (an unsure
    reading is only taken when a person names its field after checking it)."""
    readable = {d.field: d for d in differences if d.acceptable}
    if fields is None:
        sure = [d for d in readable.values() if d.confidence >= SURE]
        unsure = sorted(d.field for d in readable.values() if d.confidence < SURE)
        if unsure and not sure:
            raise InputError(f"the paper's value of {', '.join(unsure)} was read unsurely: check it and name "
                             f"the field(s) to accept (--fields)")
        return sure
    unknown = [f for f in fields if f not in {d.field for d in differences}]
    if unknown:
        raise InputError(f"no difference to accept for field(s) {', '.join(unknown)}")
    blocked = [f for f in fields if f not in readable]
    if blocked:
        raise InputError(f"field(s) {', '.join(blocked)} could not be read on the paper and cannot be accepted")
    return [readable[f] for f in fields]


def _reported(store: Any, cert_id: int, record: Certificate) -> bool:
    """Whether a report the CAS holds contains the certificate."""
    if record.year is None or record.month is None:
        return False
    return any(r.status in SUBMITTED and cert_id in (r.certificate_ids or [])
               for r in store.list_reports(record.year, record.month))


def _month_reported(store: Any, record: Certificate) -> bool:
    if record.year is None or record.month is None:
        return False
    return any(r.status in SUBMITTED for r in store.list_reports(record.year, record.month))


def _findings(record: Certificate, today: date | None) -> list[dict[str, Any]]:
    from formproc.rules import validate_record

    return [f.to_dict() for f in validate_record(record, today=today)]


def _duplicate_number(store: Any, code: str | None, number: str | None) -> int:
    earlier = [c.record.duplicate for c in store.list_certificates()
               if c.record.duplicate and (c.record.duplSerialCode, c.record.duplSerialNo) == (code, number)]
    return 1 + max(earlier, default=0)


#: confidence from which a paper value is taken over without its field being named
SURE = 0.5


def accept(store: Any, certificate_id: int, differences: Sequence[Difference], user: str | None,
           scan: tuple[str, bytes], reading: dict[str, Any], fields: Sequence[str] | None = None,
           expected_version: int | None = None, today: date | None = None) -> Accepted:
    """Take over the accepted differences (the named `fields`, else all read surely).

    `scan` is the file (name, bytes) kept with the certificate, `reading` what was read from it.
    `expected_version` guards against saving over someone else's change (ConflictError)."""
    stored = store.get_certificate(certificate_id)
    version = stored.version if expected_version is None else expected_version
    chosen = _chosen(differences, fields)
    if not chosen:
        raise InputError("nothing to accept: the paper agrees with the stored certificate or could not be read")
    data = stored.record.to_json_dict()
    changes = {d.field: d.paper for d in chosen}
    notes: list[str] = []
    if changes.get("duplicate"):
        return _accept_duplicate(store, stored, changes, user, scan, reading, today)
    data.update(changes)
    record = parse_record(data, f"certificate #{certificate_id} with the paper values")
    saved = store.update_certificate(certificate_id, record, version, user, reason="reconciled")
    scan_id = store.add_scan(scan[0], scan[1], {"reconciliation": reading, "accepted": sorted(changes)}, user,
                             certificate_id)
    kind = "S" if changes.get("status") == "annulled" else "M"
    queued = None
    if _reported(store, certificate_id, saved.record):
        queued = store.queue_rectification(certificate_id, kind, user, note="reconciliere cu copia pe hârtie")
    else:
        kind = None
        notes.append("certificatul nu a fost încă raportat: intră cu noile valori în raportarea lunii")
    return Accepted(certificate_id, saved.version, saved.record, sorted(changes), _findings(saved.record, today),
                    kind, queued, scan_id, notes)


def _accept_duplicate(store: Any, original: Any, changes: dict[str, Any], user: str | None,
                      scan: tuple[str, bytes], reading: dict[str, Any], today: date | None) -> Accepted:
    """A DUPLICAT on paper: a new certificate on the paper's sheet carrying the original's series/number."""
    base = original.record.to_json_dict()
    code = changes.get("duplSerialCode") or base.get("serialCode")
    number = changes.get("duplSerialNo") or base.get("serialNo")
    paper = reading.get("scan", {}).get("record") or {}
    new_code = changes.get("serialCode") or paper.get("serialCode") or base.get("serialCode")
    new_no = changes.get("serialNo") or paper.get("serialNo")
    if not new_code or not new_no or (new_code, new_no) == (base.get("serialCode"), base.get("serialNo")):
        raise InputError("the duplicate's own series and number could not be read on the paper")
    data = {**base, **{k: v for k, v in changes.items() if k not in ("duplicate", "duplSerialCode", "duplSerialNo")},
            "serialCode": new_code, "serialNo": new_no, "status": "issued",
            "duplicate": _duplicate_number(store, code, number), "duplSerialCode": code, "duplSerialNo": number}
    record = parse_record(data, "the duplicate read on the paper")
    saved = store.add_certificate(record, user, reason="reconciled")
    scan_id = store.add_scan(scan[0], scan[1], {"reconciliation": reading, "accepted": sorted(changes)}, user, saved.id)
    notes = []
    queued = None
    kind: str | None = "A"
    if _month_reported(store, saved.record):
        queued = store.queue_rectification(saved.id, "A", user, note="duplicat emis pe hârtie")
    else:
        kind = None
        notes.append("luna nu a fost încă raportată: duplicatul intră în raportarea lunii")
    return Accepted(saved.id, saved.version, saved.record, sorted(changes), _findings(saved.record, today), kind,
                    queued, scan_id, notes)


def rectificative_report(store: Any, year: int, month: int, provider: Any, today: date | None = None):
    """The next rectificative report of a month from the store: every stored certificate against the
    reports the CAS holds (A/M/S per certificate), with the queue entries it settles.

    Returns (formproc.report.Prepared, ids of the pending rectifications it contains)."""
    from formproc.report import prepare_report

    submitted = sorted((r for r in store.list_reports(year, month) if r.status in SUBMITTED), key=lambda r: r.id)
    if not submitted:
        raise InputError(f"no report for {year:04d}-{month:02d} was submitted: there is nothing to rectify")
    stored = store.list_certificates()
    prepared = prepare_report([c.record for c in stored], (year, month), provider,
                              [(r.xml, f"raportul #{r.id}") for r in submitted], today)
    ids = {c.id for c in stored if (c.record.year, c.record.month) == (year, month)}
    pending = [p.id for p in store.pending_rectifications() if p.certificate_id in ids]
    return prepared, pending
