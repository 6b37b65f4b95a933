"""The store: every read and write of formproc's data, each write in one transaction.

`Store(url)` opens SQLite (default: formproc.settings.database_url()) or PostgreSQL and migrates
the schema to the newest revision. Certificates carry a version: a save names the version it
started from and fails with ConflictError when someone saved in between (nothing is overwritten).
Every change is written to the audit log (who, when, field, old → new, why).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, delete, event, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from formproc.errors import ConflictError, InputError, StorageError
from formproc.model import Certificate
from formproc.settings import database_url
from formproc.store import migrate
from formproc.store.tables import (REASONS, AuditEntry, Booklet, CatalogImport, CertificateRow, Draft,
                                   Feedback, PrinterProfile, Rectification, Report, Scan, Setting, Sheet,
                                   User, utcnow)

CORRECTION_TYPES = {"A": "adăugat", "M": "modificat", "S": "șters"}
_SERIES = re.compile(r"^[A-Z0-9]{1,5}$")
_NUMBER = re.compile(r"^\d{1,10}$")


@dataclass(frozen=True)
class StoredCertificate:
    """A certificate as stored: its row id, the version to name when saving, and the record."""

    id: int
    version: int
    record: Certificate
    updated_at: datetime
    updated_by: str | None


def _label(serial_code: str | None, serial_no: str | None) -> str:
    return f"{serial_code or '?'} {serial_no or '?'}"


def _text(value: Any) -> str | None:
    """An audit value as text (None stays None)."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _check_reason(reason: str) -> None:
    if reason not in REASONS:
        raise InputError(f"unknown change reason '{reason}' (known: {', '.join(REASONS)})")


class Store:
    """formproc's database. One instance per process; it is safe to share between threads."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True) -> None:
        self.url = url or database_url()
        self.engine = _engine(self.url)
        self._writer = self.engine.execution_options(formproc_write=True)
        if upgrade:
            try:
                migrate.upgrade(self._writer)
            except OperationalError as exc:
                raise StorageError(f"baza de date nu poate fi deschisă ({_reason(exc)})") from None

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # -- sessions -------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as exc:
            raise StorageError(f"baza de date nu răspunde ({_reason(exc)})") from None

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One transaction: everything inside is saved together or not at all."""
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise StorageError(f"salvarea a fost refuzată de baza de date ({_reason(exc)}); nimic nu s-a schimbat") from None
        except OperationalError as exc:
            raise StorageError(f"baza de date nu răspunde ({_reason(exc)}); nimic nu s-a schimbat") from None

    @staticmethod
    def _audit(session: Session, user: str | None, entity: str, entity_id: Any, action: str, reason: str,
               field: str | None = None, old: Any = None, new: Any = None) -> None:
        session.add(AuditEntry(at=utcnow(), username=user, entity=entity, entity_id=str(entity_id),
                               action=action, field=field, old_value=_text(old), new_value=_text(new),
                               reason=reason))

    def _audit_diff(self, session: Session, user: str | None, cert_id: int, action: str, reason: str,
                    old: dict[str, Any], new: dict[str, Any]) -> None:
        for name in [f for f in Certificate.model_fields if old.get(f) != new.get(f)]:
            self._audit(session, user, "certificate", cert_id, action, reason, name, old.get(name), new.get(name))

    # -- certificates ---------------------------------------------------------------------

    @staticmethod
    def _stored(row: CertificateRow) -> StoredCertificate:
        return StoredCertificate(row.id, row.version, Certificate.model_validate(row.data), row.updated_at,
                                 row.updated_by)

    def _insert_certificate(self, session: Session, record: Certificate, user: str | None, reason: str,
                            action: str = "create") -> CertificateRow:
        _check_reason(reason)
        if record.serialCode and record.serialNo and self._certificate_row(session, record.serialCode, record.serialNo):
            raise StorageError(f"certificatul {_label(*record.key)} există deja")
        data = record.to_json_dict()
        now = utcnow()
        row = CertificateRow(serial_code=record.serialCode, serial_no=record.serialNo, status=record.status,
                             duplicate=record.duplicate, year=record.year, month=record.month, data=data,
                             version=1, created_at=now, created_by=user, updated_at=now, updated_by=user)
        session.add(row)
        session.flush()
        self._audit_diff(session, user, row.id, action, reason, {}, data)
        self._sync_sheet(session, record)
        return row

    @staticmethod
    def _certificate_row(session: Session, serial_code: str, serial_no: str) -> CertificateRow | None:
        return session.scalars(select(CertificateRow).where(CertificateRow.serial_code == serial_code,
                                                            CertificateRow.serial_no == serial_no)).first()

    @staticmethod
    def _sync_sheet(session: Session, record: Certificate) -> None:
        """Mark the booklet sheet a certificate is written on as used (or annulled)."""
        if not (record.serialCode and record.serialNo):
            return
        sheet = session.scalars(select(Sheet).where(Sheet.serial_code == record.serialCode,
                                                    Sheet.serial_no == record.serialNo)).first()
        if sheet is None:
            return
        wanted = "annulled" if record.status == "annulled" else "used"
        if sheet.state == "annulled" and wanted == "used":
            raise StorageError(f"foaia {_label(*record.key)} este anulată și nu mai poate fi folosită")
        sheet.state, sheet.updated_at = wanted, utcnow()

    def add_certificate(self, record: Certificate, user: str | None, reason: str = "typed") -> StoredCertificate:
        """Store a new certificate (version 1); its booklet sheet becomes used."""
        with self._write() as session:
            row = self._insert_certificate(session, record, user, reason)
        return self._stored(row)

    def add_certificates(self, records: list[Certificate], user: str | None,
                         reason: str = "imported") -> list[StoredCertificate]:
        """Store several new certificates in one transaction (all or none)."""
        with self._write() as session:
            rows = [self._insert_certificate(session, r, user, reason) for r in records]
        return [self._stored(r) for r in rows]

    def get_certificate(self, cert_id: int) -> StoredCertificate:
        """A certificate by id; a missing one is an InputError."""
        with self._read() as session:
            row = session.get(CertificateRow, cert_id)
        if row is None:
            raise InputError(f"certificatul #{cert_id} nu există")
        return self._stored(row)

    def find_certificate(self, serial_code: str, serial_no: str) -> StoredCertificate | None:
        """The certificate written on a sheet, or None."""
        with self._read() as session:
            row = self._certificate_row(session, serial_code, serial_no)
        return self._stored(row) if row else None

    def list_certificates(self, year: int | None = None, month: int | None = None,
                          status: str | None = None) -> list[StoredCertificate]:
        """Certificates, optionally of one month (the record's month/year) or one status, by series/number."""
        query = select(CertificateRow)
        if year is not None:
            query = query.where(CertificateRow.year == year)
        if month is not None:
            query = query.where(CertificateRow.month == month)
        if status is not None:
            query = query.where(CertificateRow.status == status)
        query = query.order_by(CertificateRow.serial_code, CertificateRow.serial_no, CertificateRow.id)
        with self._read() as session:
            return [self._stored(r) for r in session.scalars(query)]

    def update_certificate(self, cert_id: int, record: Certificate, expected_version: int, user: str | None,
                           reason: str = "typed") -> StoredCertificate:
        """Save a changed certificate; ConflictError when it changed since `expected_version`."""
        _check_reason(reason)
        with self._write() as session:
            row = session.get(CertificateRow, cert_id)
            if row is None:
                raise InputError(f"certificatul #{cert_id} nu există")
            label = _label(row.serial_code, row.serial_no)
            old = dict(row.data)
            new = record.to_json_dict()
            done = session.execute(
                update(CertificateRow)
                .where(CertificateRow.id == cert_id, CertificateRow.version == expected_version)
                .values(serial_code=record.serialCode, serial_no=record.serialNo, status=record.status,
                        duplicate=record.duplicate, year=record.year, month=record.month, data=new,
                        version=expected_version + 1, updated_at=utcnow(), updated_by=user)
                .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise ConflictError(
                    f"certificatul {label} a fost modificat între timp de {row.updated_by or 'alt utilizator'} "
                    f"(versiunea {row.version}, dvs. ați pornit de la {expected_version}); "
                    "modificările dvs. nu au fost salvate: reîncărcați certificatul și refaceți-le")
            self._audit_diff(session, user, cert_id, "update", reason, old, new)
            self._sync_sheet(session, record)
            session.expire_all()
            row = session.get(CertificateRow, cert_id)
        return self._stored(row)

    # -- booklets -------------------------------------------------------------------------

    def register_booklet(self, serial_code: str, first_no: str, user: str | None, sheets: int = 50) -> Booklet:
        """Register a booklet: `sheets` consecutive numbers from `first_no` in one series."""
        serial_code, first_no = serial_code.strip().upper(), first_no.strip()
        if not _SERIES.match(serial_code):
            raise InputError(f"seria '{serial_code}' trebuie să aibă 1-5 litere sau cifre")
        if not _NUMBER.match(first_no):
            raise InputError(f"numărul '{first_no}' trebuie să aibă 1-10 cifre")
        if not 1 <= sheets <= 500:
            raise InputError(f"un carnet are între 1 și 500 de file, nu {sheets}")
        first = int(first_no)
        width = len(first_no)
        numbers = [str(first + i).zfill(width) for i in range(sheets)]
        if len(numbers[-1]) > 10:
            raise InputError(f"numerele carnetului depășesc 10 cifre ({numbers[-1]})")
        with self._write() as session:
            taken = {int(n) for n in session.scalars(select(Sheet.serial_no).where(Sheet.serial_code == serial_code))}
            clash = sorted(taken & {first + i for i in range(sheets)})
            if clash:
                raise InputError(f"seria {serial_code} nr. {clash[0]} este deja într-un carnet înregistrat")
            booklet = Booklet(serial_code=serial_code, first_no=first_no, sheet_count=sheets,
                              registered_at=utcnow(), registered_by=user)
            session.add(booklet)
            session.flush()
            for pos, number in enumerate(numbers, 1):
                existing = self._certificate_row(session, serial_code, number)
                state = "free" if existing is None else ("annulled" if existing.status == "annulled" else "used")
                session.add(Sheet(booklet_id=booklet.id, position=pos, serial_code=serial_code, serial_no=number,
                                  state=state, updated_at=utcnow()))
            self._audit(session, user, "booklet", booklet.id, "register", "typed", None, None,
                        {"serialCode": serial_code, "first": numbers[0], "last": numbers[-1]})
        return booklet

    def list_booklets(self) -> list[tuple[Booklet, dict[str, int]]]:
        """Every booklet with its count of free, used and annulled sheets."""
        with self._read() as session:
            booklets = list(session.scalars(select(Booklet).order_by(Booklet.id)))
            counts = session.execute(select(Sheet.booklet_id, Sheet.state, func.count())
                                     .group_by(Sheet.booklet_id, Sheet.state)).all()
        out = []
        for b in booklets:
            tally = {"free": 0, "used": 0, "annulled": 0}
            tally.update({state: n for bid, state, n in counts if bid == b.id})
            out.append((b, tally))
        return out

    def sheets(self, booklet_id: int) -> list[Sheet]:
        """The sheets of a booklet in order."""
        with self._read() as session:
            return list(session.scalars(select(Sheet).where(Sheet.booklet_id == booklet_id).order_by(Sheet.position)))

    def next_free_sheet(self, serial_code: str | None = None) -> Sheet | None:
        """The first free sheet of the oldest booklet (of one series when given), or None."""
        query = select(Sheet).where(Sheet.state == "free")
        if serial_code:
            query = query.where(Sheet.serial_code == serial_code.strip().upper())
        with self._read() as session:
            return session.scalars(query.order_by(Sheet.booklet_id, Sheet.position).limit(1)).first()

    def annul_sheet(self, serial_code: str, serial_no: str, user: str | None, note: str | None = None) -> StoredCertificate:
        """Mark a sheet ANULAT. The certificate on it (or a new record of the blank sheet) is kept, annulled."""
        serial_code = serial_code.strip().upper()
        with self._write() as session:
            sheet = session.scalars(select(Sheet).where(Sheet.serial_code == serial_code,
                                                        Sheet.serial_no == serial_no)).first()
            row = self._certificate_row(session, serial_code, serial_no)
            if sheet is None and row is None:
                raise InputError(f"foaia {serial_code} {serial_no} nu este într-un carnet înregistrat "
                                 "și nu are certificat")
            if sheet is not None:
                sheet.note = note
            if row is None:
                record = Certificate(serialCode=serial_code, serialNo=serial_no, status="annulled")
                row = self._insert_certificate(session, record, user, "typed", action="annul")
            elif row.status == "annulled":
                raise InputError(f"certificatul {serial_code} {serial_no} este deja anulat")
            else:
                old = dict(row.data)
                new = {**old, "status": "annulled"}
                row.data, row.status, row.version = new, "annulled", row.version + 1
                row.updated_at, row.updated_by = utcnow(), user
                self._audit_diff(session, user, row.id, "annul", "typed", old, new)
                self._sync_sheet(session, Certificate.model_validate(new))
            if note:
                self._audit(session, user, "certificate", row.id, "annul", "typed", "note", None, note)
        return self._stored(row)

    def issue_duplicate(self, serial_code: str, serial_no: str, user: str | None,
                        new_serial_code: str | None = None, new_serial_no: str | None = None) -> StoredCertificate:
        """A DUPLICAT of a certificate on a new sheet (the next free one unless given): the n-th duplicate,
        carrying the original's series and number (duplSerialCode/duplSerialNo)."""
        serial_code = serial_code.strip().upper()
        with self._write() as session:
            original = self._certificate_row(session, serial_code, serial_no)
            if original is None:
                raise InputError(f"certificatul {serial_code} {serial_no} nu există")
            if original.duplicate:
                raise InputError(f"certificatul {serial_code} {serial_no} este el însuși un duplicat; "
                                 f"emiteți duplicatul după originalul {original.data.get('duplSerialCode')} "
                                 f"{original.data.get('duplSerialNo')}")
            if new_serial_code and new_serial_no:
                target = (new_serial_code.strip().upper(), new_serial_no.strip())
            else:
                sheet = session.scalars(select(Sheet).where(Sheet.state == "free")
                                        .order_by(Sheet.booklet_id, Sheet.position).limit(1)).first()
                if sheet is None:
                    raise InputError("nu există nicio foaie liberă: înregistrați un carnet nou")
                target = (sheet.serial_code, sheet.serial_no)
            earlier = session.scalars(select(CertificateRow).where(CertificateRow.duplicate > 0)).all()
            n = 1 + max((r.duplicate for r in earlier if r.data.get("duplSerialCode") == serial_code
                         and r.data.get("duplSerialNo") == serial_no), default=0)
            record = Certificate.model_validate({
                **original.data, "serialCode": target[0], "serialNo": target[1], "status": "issued",
                "duplicate": n, "duplSerialCode": serial_code, "duplSerialNo": serial_no})
            row = self._insert_certificate(session, record, user, "typed", action="duplicate")
        return self._stored(row)

    # -- drafts ---------------------------------------------------------------------------

    def save_draft(self, user: str, key: str, data: dict[str, Any]) -> None:
        """Keep a form's unsaved input (replaces the previous draft of the same form)."""
        with self._write() as session:
            draft = session.get(Draft, (user, key))
            if draft is None:
                session.add(Draft(username=user, key=key, data=data, updated_at=utcnow()))
            else:
                draft.data, draft.updated_at = data, utcnow()

    def get_draft(self, user: str, key: str) -> dict[str, Any] | None:
        """A form's unsaved input, or None."""
        with self._read() as session:
            draft = session.get(Draft, (user, key))
        return dict(draft.data) if draft else None

    def delete_draft(self, user: str, key: str) -> None:
        """Forget a draft (after the form was saved or discarded)."""
        with self._write() as session:
            session.execute(delete(Draft).where(Draft.username == user, Draft.key == key))

    # -- scans ----------------------------------------------------------------------------

    def add_scan(self, filename: str, content: bytes, result: Any, user: str | None,
                 certificate_id: int | None = None) -> int:
        """Keep an uploaded scan's original bytes and what was read from it."""
        with self._write() as session:
            scan = Scan(filename=Path(filename).name[:300], sha256=hashlib.sha256(content).hexdigest(),
                        content=content, result=result, certificate_id=certificate_id, created_at=utcnow(),
                        created_by=user)
            session.add(scan)
            session.flush()
            self._audit(session, user, "scan", scan.id, "upload", "scanned", None, None, scan.sha256)
            return scan.id

    def link_scan(self, scan_id: int, certificate_id: int, user: str | None) -> None:
        """Record which certificate a scan is a copy of."""
        with self._write() as session:
            scan = session.get(Scan, scan_id)
            if scan is None:
                raise InputError(f"scanarea #{scan_id} nu există")
            self._audit(session, user, "scan", scan_id, "link", "scanned", "certificate_id",
                        scan.certificate_id, certificate_id)
            scan.certificate_id = certificate_id

    def get_scan(self, scan_id: int) -> Scan:
        """A scan with its bytes."""
        with self._read() as session:
            scan = session.get(Scan, scan_id)
        if scan is None:
            raise InputError(f"scanarea #{scan_id} nu există")
        return scan

    def list_scans(self, certificate_id: int | None = None) -> list[Scan]:
        """Scans, newest first (optionally of one certificate)."""
        query = select(Scan).order_by(Scan.id.desc())
        if certificate_id is not None:
            query = query.where(Scan.certificate_id == certificate_id)
        with self._read() as session:
            return list(session.scalars(query))

    # -- reports and CAS feedback ---------------------------------------------------------

    def add_report(self, year: int, month: int, xml: bytes, certificate_ids: list[int], user: str | None,
                   correction: bool = False) -> int:
        """Keep a generated report's exact XML and the certificates it holds."""
        with self._write() as session:
            report = Report(year=year, month=month, correction=correction, xml=xml,
                            sha256=hashlib.sha256(xml).hexdigest(), certificate_ids=list(certificate_ids),
                            status="generated", created_at=utcnow(), created_by=user)
            session.add(report)
            session.flush()
            self._audit(session, user, "report", report.id, "generate", "typed", None, None,
                        {"period": f"{year:04d}-{month:02d}", "correction": correction, "sha256": report.sha256})
            return report.id

    def set_report_status(self, report_id: int, status: str, user: str | None, sent_name: str | None = None) -> None:
        """Record that a report was signed, sent (under the SIUI file name `sent_name`), accepted or rejected."""
        with self._write() as session:
            report = session.get(Report, report_id)
            if report is None:
                raise InputError(f"raportul #{report_id} nu există")
            self._audit(session, user, "report", report_id, "status", "typed", "status", report.status, status)
            report.status = status
            if status == "sent":
                report.sent_at = utcnow()
            if sent_name is not None:
                self._audit(session, user, "report", report_id, "status", "typed", "sent_name", report.sent_name,
                            sent_name)
                report.sent_name = sent_name[:100]

    def get_report(self, report_id: int) -> Report:
        """A report with its XML."""
        with self._read() as session:
            report = session.get(Report, report_id)
        if report is None:
            raise InputError(f"raportul #{report_id} nu există")
        return report

    def list_reports(self, year: int | None = None, month: int | None = None) -> list[Report]:
        """Reports, newest first."""
        query = select(Report).order_by(Report.id.desc())
        if year is not None:
            query = query.where(Report.year == year)
        if month is not None:
            query = query.where(Report.month == month)
        with self._read() as session:
            return list(session.scalars(query))

    def add_feedback(self, filename: str, content: bytes, items: list[dict[str, Any]], user: str | None,
                     report_id: int | None = None) -> int:
        """Keep a CAS feedback file and the per-certificate statuses read from it."""
        with self._write() as session:
            fb = Feedback(report_id=report_id, filename=Path(filename).name[:300], content=content, items=items,
                          received_at=utcnow(), received_by=user)
            session.add(fb)
            session.flush()
            self._audit(session, user, "feedback", fb.id, "import", "imported", None, None,
                        {"items": len(items), "report": report_id})
            return fb.id

    def list_feedback(self) -> list[Feedback]:
        """CAS feedback files, newest first."""
        with self._read() as session:
            return list(session.scalars(select(Feedback).order_by(Feedback.id.desc())))

    # -- rectification queue --------------------------------------------------------------

    def queue_rectification(self, certificate_id: int, correction_type: str, user: str | None,
                            note: str | None = None) -> int:
        """Queue a certificate for the rectificative report (A added, M modified, S deleted)."""
        if correction_type not in CORRECTION_TYPES:
            raise InputError(f"tip de corecție necunoscut '{correction_type}' (A, M sau S)")
        with self._write() as session:
            if session.get(CertificateRow, certificate_id) is None:
                raise InputError(f"certificatul #{certificate_id} nu există")
            pending = session.scalars(select(Rectification).where(
                Rectification.certificate_id == certificate_id, Rectification.report_id.is_(None))).first()
            if pending is not None:
                # A pending "added" stays added when modified again; a deletion wins over everything.
                if correction_type == "S" or (correction_type == "M" and pending.correction_type == "M"):
                    self._audit(session, user, "rectification", pending.id, "update", "reconciled",
                                "correction_type", pending.correction_type, correction_type)
                    pending.correction_type = correction_type
                pending.note = note or pending.note
                return pending.id
            item = Rectification(certificate_id=certificate_id, correction_type=correction_type, note=note,
                                 created_at=utcnow(), created_by=user)
            session.add(item)
            session.flush()
            self._audit(session, user, "rectification", item.id, "queue", "reconciled", "correction_type",
                        None, correction_type)
            return item.id

    def pending_rectifications(self) -> list[Rectification]:
        """Queued rectifications not yet in a report."""
        with self._read() as session:
            return list(session.scalars(select(Rectification).where(Rectification.report_id.is_(None))
                                        .order_by(Rectification.id)))

    def close_rectifications(self, ids: list[int], report_id: int, user: str | None) -> None:
        """Mark queued rectifications as sent in a rectificative report."""
        with self._write() as session:
            for item in session.scalars(select(Rectification).where(Rectification.id.in_(ids))):
                item.report_id = report_id
                self._audit(session, user, "rectification", item.id, "report", "reconciled", "report_id", None, report_id)

    # -- settings, catalogs, printer profiles ---------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A setting's value (JSON data), or `default`."""
        with self._read() as session:
            row = session.get(Setting, key)
        return default if row is None else row.value

    def set_setting(self, key: str, value: Any, user: str | None, reason: str = "typed") -> None:
        """Change a setting; the old and new values go to the audit log."""
        _check_reason(reason)
        with self._write() as session:
            row = session.get(Setting, key)
            old = None if row is None else row.value
            if old == value:
                return
            if row is None:
                session.add(Setting(key=key, value=value, updated_at=utcnow(), updated_by=user))
            else:
                row.value, row.updated_at, row.updated_by = value, utcnow(), user
            self._audit(session, user, "setting", key, "set", reason, key, old, value)

    def provider(self) -> dict[str, Any]:
        """The provider's data for reports (providerCode, providerName, insuranceHouse, conventionNo, ...)."""
        return dict(self.get_setting("provider", {}) or {})

    def add_catalog_import(self, kind: str, source: str, entries: list[dict[str, Any]], user: str | None) -> int:
        """Keep a copy of an imported catalog."""
        with self._write() as session:
            item = CatalogImport(kind=kind, source=Path(source).name[:300], entries=entries,
                                 imported_at=utcnow(), imported_by=user)
            session.add(item)
            session.flush()
            self._audit(session, user, "catalog", item.id, "import", "imported", kind, None,
                        {"source": item.source, "entries": len(entries)})
            return item.id

    def list_catalog_imports(self) -> list[CatalogImport]:
        """Imported catalogs, newest first."""
        with self._read() as session:
            return list(session.scalars(select(CatalogImport).order_by(CatalogImport.id.desc())))

    def save_printer_profile(self, name: str, data: dict[str, Any], user: str | None) -> None:
        """Create or replace a printer profile."""
        name = name.strip()
        if not name:
            raise InputError("profilul de imprimantă trebuie să aibă un nume")
        with self._write() as session:
            row = session.get(PrinterProfile, name)
            old = None if row is None else row.data
            if row is None:
                session.add(PrinterProfile(name=name, data=data, updated_at=utcnow(), updated_by=user))
            else:
                row.data, row.updated_at, row.updated_by = data, utcnow(), user
            self._audit(session, user, "printer_profile", name, "save", "typed", None, old, data)

    def get_printer_profile(self, name: str) -> dict[str, Any] | None:
        """A printer profile's data, or None."""
        with self._read() as session:
            row = session.get(PrinterProfile, name)
        return None if row is None else dict(row.data)

    def list_printer_profiles(self) -> list[str]:
        """Printer profile names, sorted."""
        with self._read() as session:
            return list(session.scalars(select(PrinterProfile.name).order_by(PrinterProfile.name)))

    def delete_printer_profile(self, name: str, user: str | None) -> None:
        """Remove a printer profile."""
        with self._write() as session:
            row = session.get(PrinterProfile, name)
            if row is None:
                raise InputError(f"profilul de imprimantă '{name}' nu există")
            self._audit(session, user, "printer_profile", name, "delete", "typed", None, row.data, None)
            session.delete(row)

    # -- users ----------------------------------------------------------------------------

    def add_user(self, username: str, password_hash: str | None, role: str, full_name: str | None,
                 by: str | None) -> User:
        """Create a user (formproc.auth hashes the password and checks the role)."""
        with self._write() as session:
            if session.get(User, username) is not None:
                raise InputError(f"utilizatorul '{username}' există deja")
            user = User(username=username, password_hash=password_hash, role=role, full_name=full_name,
                        active=True, created_at=utcnow())
            session.add(user)
            self._audit(session, by, "user", username, "create", "typed", "role", None, role)
        return user

    def get_user(self, username: str) -> User | None:
        """A user, or None."""
        with self._read() as session:
            return session.get(User, username)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        with self._read() as session:
            return list(session.scalars(select(User).order_by(User.username)))

    def count_users(self) -> int:
        """How many users exist (0 on a fresh install)."""
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(User)) or 0

    def update_user(self, username: str, by: str | None, **changes: Any) -> None:
        """Change a user's role, name, active flag or password hash (audited; the hash never is)."""
        allowed = {"role", "full_name", "active", "password_hash"}
        if set(changes) - allowed:
            raise InputError(f"câmp necunoscut pentru utilizator: {', '.join(sorted(set(changes) - allowed))}")
        with self._write() as session:
            user = session.get(User, username)
            if user is None:
                raise InputError(f"utilizatorul '{username}' nu există")
            for name, value in changes.items():
                old = getattr(user, name)
                if old == value:
                    continue
                shown = ("***", "***") if name == "password_hash" else (old, value)
                self._audit(session, by, "user", username, "update", "typed", name, *shown)
                setattr(user, name, value)

    # -- audit log ------------------------------------------------------------------------

    def audit_log(self, entity: str | None = None, entity_id: Any = None, username: str | None = None,
                  reason: str | None = None, since: datetime | None = None, until: datetime | None = None,
                  field: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        """Audit entries, newest first, filtered by any of the arguments."""
        query = select(AuditEntry)
        for column, value in ((AuditEntry.entity, entity), (AuditEntry.username, username),
                              (AuditEntry.reason, reason), (AuditEntry.field, field)):
            if value is not None:
                query = query.where(column == value)
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == str(entity_id))
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if until is not None:
            query = query.where(AuditEntry.at <= until)
        with self._read() as session:
            return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def _reason(exc: Exception) -> str:
    """The database's one-line reason, without SQL text or parameters (they may hold patient data)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys, WAL, a busy timeout and write transactions that lock at BEGIN."""
    if not url.startswith("sqlite"):
        try:
            return create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # bad URL or missing driver
            raise StorageError(f"adresa bazei de date nu poate fi folosită ({type(exc).__name__})") from None
    path = make_url(url).database or ""
    if path.startswith("file:"):  # an SQLite URI (e.g. ?mode=ro&uri=true): the file must already exist
        path = ""
    if path and path != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"dosarul bazei de date nu poate fi creat ({exc.strerror})") from None
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if path and path != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("formproc_write") else "BEGIN")

    return engine
