"""Dated catalogs and the SIUI nomenclature/personalization imports."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from conftest import official_schema
from formproc import catalogs
from formproc.catalogs import catalog, indemnity_percent
from formproc.catalogs.siui import import_file
from formproc.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def test_code01_percent_as_on_date():
    assert indemnity_percent("01", date(2025, 7, 15), 6) == 75
    assert indemnity_percent("01", date(2025, 9, 15), 6) == 55
    assert indemnity_percent("01", date(2025, 9, 15), 7) == 55
    assert indemnity_percent("01", date(2025, 9, 15), 8) == 65
    assert indemnity_percent("01", date(2025, 9, 15), 14) == 65
    assert indemnity_percent("01", date(2025, 9, 15), 15) == 75
    assert indemnity_percent("01", date(2025, 9, 15), 15, day15_percent=65) == 65
    assert indemnity_percent("01", date(2025, 9, 15), 40) == 75


def test_other_codes_and_validity():
    assert indemnity_percent("08", date(2026, 1, 1)) == 85
    assert indemnity_percent("07", date(2020, 7, 1)) == 75 and indemnity_percent("07", date(2020, 9, 1)) == 100
    assert indemnity_percent("10", date(2026, 1, 1)) is None  # Prevenire
    assert indemnity_percent("17", date(2022, 1, 1)) is None  # code 17 exists from 16.04.2022
    assert indemnity_percent("17", date(2022, 5, 1)) == 85
    codes = {e.code for e in catalog("indemnity").on(date(2026, 1, 1))}
    assert codes == {f"{n:02d}" for n in range(1, 18)} | {"51", "91", "92"}


def test_hg423_lists():
    assert len(catalog("emergency").on(date(2024, 1, 1))) == 177
    assert len(catalog("group_a").on(date(2024, 1, 1))) == 35
    assert catalog("group_a").get("35", date(2024, 1, 1)).name == "COVID-19"
    assert catalog("emergency").contains("007", date(2024, 1, 1))
    assert not catalog("emergency").contains("178", date(2024, 1, 1))


def test_default_diagnosis_rule():
    diag = catalog("diagnosis")
    assert diag.contains("001", date.today()) and diag.contains("999", date.today()) and diag.contains("RM", date.today())
    assert not diag.contains("000", date.today()) and not diag.contains("1000", date.today())


def test_samples_validate_against_official_xsds():
    for xml, xsd in (("NomenclaturesCM.xml", "NomenclaturesCM.xsd"), ("PersonalizedFileCM.xml", "PersonalizedFileCM.xsd")):
        schema = official_schema(xsd)
        assert schema.validate(etree.parse(str(SAMPLES / xml))), schema.error_log


def test_nomenclature_import_overlays_defaults(formproc_home):
    summary = import_file(str(SAMPLES / "NomenclaturesCM.xml"))
    assert summary["imported"]["diagnosis"] == 5
    diag = catalog("diagnosis")
    assert diag.imported and diag.contains("463", date(2026, 1, 1)) and not diag.contains("999", date(2026, 1, 1))
    assert catalog("emergency").get("1", date(2026, 1, 1)).name == "arsurile"
    assert len(catalog("emergency").on(date(2026, 1, 1))) == 177  # the other defaults stay
    assert indemnity_percent("01", date(2025, 9, 15), 10) == 65  # formproc's bands survive the import
    assert catalog("error").get("CM001", date(2026, 1, 1)).name == "CNP invalid"
    assert (formproc_home / "catalogs" / "diagnosis.json").exists()


def test_personalization_import(formproc_home):
    summary = import_file(str(SAMPLES / "PersonalizedFileCM.xml"))
    assert summary["imported"] == {"provider": "IS0123", "convention": 1, "physician": 1}
    assert catalog("physician").get("A1B2C3", date(2026, 1, 1)).name == "Popescu Ana"
    assert catalog("convention").get("1234", date(2026, 1, 1)).name == "CAS-IS"


@pytest.mark.parametrize("xml, message", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DOCTYPE"),
    (b'<Catalogues xmlns="urn:other"/>', "not in the SIUI namespace"),
    (b'<report xmlns="http://www.cnas.ro/siui/2.0"/>', "neither a SIUI nomenclature"),
    (b'<Catalogues xmlns="http://www.cnas.ro/siui/2.0"><ICD10S><ICD10 code="1"/></ICD10S></Catalogues>',
     "lacks attribute 'name'"),
    (b'<Catalogues xmlns="http://www.cnas.ro/siui/2.0"><ICD10S><ICD10 code="1" name="x" validFrom="2020-13-01"/>'
     b'</ICD10S></Catalogues>', "is not a date"),
    (b'<Catalogues xmlns="http://www.cnas.ro/siui/2.0"><Xyz/></Catalogues>', "unknown section"),
    (b'\xff\xfe<bad', "not well-formed"),
])
def test_bad_imports_change_nothing(tmp_path, formproc_home, xml, message):
    path = tmp_path / "in.xml"
    path.write_bytes(xml)
    with pytest.raises(InputError, match=message):
        import_file(str(path))
    assert not (formproc_home / "catalogs").exists() or not any((formproc_home / "catalogs").iterdir())
    catalogs.reload()
    assert not catalog("diagnosis").imported


def test_cli_catalogs(formproc_home):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "formproc.cli", *args], capture_output=True, text=True)

    out = cli("catalogs", "show", "indemnity", "--on", "2025-09-15")
    assert out.returncode == 0 and '"code": "01"' in out.stdout
    out = cli("catalogs", "show", "nope")
    assert out.returncode == 2 and "unknown catalog kind" in out.stderr and "Traceback" not in out.stderr
    out = cli("catalogs", "import", str(SAMPLES / "missing.xml"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    out = cli("catalogs", "import", str(SAMPLES / "NomenclaturesCM.xml"))
    assert out.returncode == 0 and '"diagnosis": 5' in out.stdout
