"""The store's tables (SQLAlchemy 2 declarative). The schema changes only through migrations."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}

#: Why a value changed, as the audit log records it.
REASONS = ("typed", "scanned", "reconciled", "imported")


def utcnow() -> datetime:
    """Now in UTC, without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Setting(Base):
    """Provider data, conventions and other key → JSON value settings."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class CatalogImport(Base):
    """A SIUI nomenclature/personalization catalog as imported (entries as JSON)."""

    __tablename__ = "catalog_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    source: Mapped[str] = mapped_column(String(300))
    entries: Mapped[Any] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(100))


class Booklet(Base):
    """A booklet of preprinted sheets (usually 50) with one series and consecutive numbers."""

    __tablename__ = "booklets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_code: Mapped[str] = mapped_column(String(5))
    first_no: Mapped[str] = mapped_column(String(10))
    sheet_count: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    registered_by: Mapped[str | None] = mapped_column(String(100))


class Sheet(Base):
    """One sheet of a booklet: free, used (a certificate is on it) or annulled."""

    __tablename__ = "sheets"
    __table_args__ = (UniqueConstraint("serial_code", "serial_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booklet_id: Mapped[int] = mapped_column(ForeignKey("booklets.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    serial_code: Mapped[str] = mapped_column(String(5))
    serial_no: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="free")
    note: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CertificateRow(Base):
    """A certificate: the canonical record as JSON, key columns for lookups, a version for locking."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("serial_code", "serial_no", name="uq_certificates_serial"),
                      Index("ix_certificates_period", "year", "month"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_code: Mapped[str | None] = mapped_column(String(5))
    serial_no: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="issued")
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    year: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[Any] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class Draft(Base):
    """Unsaved form input, kept as the user types (one per user and form key)."""

    __tablename__ = "drafts"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Scan(Base):
    """An uploaded scan: the original file's bytes and what was read from it."""

    __tablename__ = "scans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    result: Mapped[Any] = mapped_column(JSON)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))


class Report(Base):
    """A monthly report as submitted: the exact XML bytes."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    certificate_ids: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="generated")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_name: Mapped[str | None] = mapped_column(String(100))  # the SICK_….xml sent to SIUI


class Feedback(Base):
    """A CAS feedback file: the original bytes and the per-certificate statuses read from it."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    items: Mapped[Any] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    received_by: Mapped[str | None] = mapped_column(String(100))


class PrinterProfile(Base):
    """A printer's calibration (offsets, scale, rotation, per-field nudges) as JSON."""

    __tablename__ = "printer_profiles"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class User(Base):
    """A local user: argon2 password hash and one role."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str | None] = mapped_column(String(150))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """One change: who, when, what (entity, field), old → new value, and why."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(100), index=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(30))
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(20))


class Rectification(Base):
    """A certificate queued for the rectificative report: A added, M modified, S deleted."""

    __tablename__ = "rectifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    correction_type: Mapped[str] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(String(300))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
