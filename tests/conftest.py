"""Shared test fixtures: an isolated data folder per test and the reference files in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FORMPROC_SHARED", ROOT.parent / "shared")).resolve()
CNAS = SHARED / "cnas"


@pytest.fixture(autouse=True)
def formproc_home(tmp_path, monkeypatch):
    """Every test gets its own FORMPROC_HOME, and catalogs are reloaded from it."""
    from formproc import catalogs

    home = tmp_path / "formproc-home"
    monkeypatch.setenv("FORMPROC_HOME", str(home))
    monkeypatch.delenv("FORMPROC_DATABASE_URL", raising=False)
    catalogs.reload()
    yield home
    catalogs.reload()


@pytest.fixture(scope="session")
def cnas_dir() -> Path:
    """The official SIUI schemas; their absence is a failure, not a skip."""
    assert CNAS.is_dir(), f"reference folder {CNAS} is missing (clone with ../shared beside the repo)"
    return CNAS


def official_schema(name: str):
    """An lxml XMLSchema of one of the official XSDs in ../shared/cnas."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(CNAS / name), parser))


# --- store back ends (store/app engineer): SQLite always, PostgreSQL when FORMPROC_TEST_PG_URL is set ---
PG_URL = os.environ.get("FORMPROC_TEST_PG_URL")
#: In CI the PostgreSQL parameter always exists, so a missing server fails instead of vanishing.
DB_BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL or os.environ.get("CI") else [])


@pytest.fixture(params=DB_BACKENDS)
def db_url(request, tmp_path):
    """A URL of a new, empty database: an SQLite file, or a fresh database on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    if not PG_URL:
        pytest.fail("CI is set but FORMPROC_TEST_PG_URL is not: run the tests under scripts/with-postgres.sh")
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"formproc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- monthly report (report engineer): realistic certificates and a provider ---
REPORT_PROVIDER = {"providerCode": "MF0001", "providerName": "CMI Dr Popescu", "insuranceHouse": "CAS-IS",
                   "conventionNo": "C123/2024", "cui": "RO18547290", "AppKey": "FORMPROC"}


def report_certificate(n: int, year: int = 2025, month: int = 3, **overrides):
    """The n-th issued certificate of a month: code 01, ambulatory, family doctor, valid CNP, 4 days."""
    from datetime import date, timedelta

    from formproc.identity import make_cnp
    from formproc.model import Certificate

    start = date(year, month, 1 + n % 20)
    data = dict(serialCode="CCMAT", serialNo=f"{1000000 + n:07d}", status="issued", duplicate=0,
                continuation=False, month=month, year=year, indemnCode="01", insuredOrgUnit="CAS-IS",
                lastName="POPA", firstName="ION", pid=make_cnp(date(1980, 1, 1) + timedelta(days=n % 9000),
                                                                female=bool(n % 2), serial=1 + n % 900),
                address="IAȘI, STR. LĂPUȘNEANU 10", regNo=str(100 + n), certType="AM", issueDate=start,
                days=4, validFrom=start, validTo=start + timedelta(days=3), diagCode="123", diagType="0",
                unitType="CMI", issuerType="MF", conventionNo="C123/2024", conventionCas="CAS-IS",
                doctorName="POPESCU MARIA", cui="18547290", stencil="A12345")
    data.update(overrides)
    return Certificate(**data)
