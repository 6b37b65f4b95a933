"""Fuzzing every parser of untrusted input: it either succeeds or raises a one-line FormprocError.

Parsers: records (JSON / JSON Lines), the SIUI nomenclature, personalization and feedback files,
previous reports (rectification), templates, printer profiles, INCOMES.json. Inputs are mutations
of valid files (bytes replaced, cut, inserted) and generated structures with values of every JSON
type. In the suite each test runs FUZZ_EXAMPLES examples (profile "fuzz"); the nightly run:

    HYPOTHESIS_PROFILE=nightly .venv/bin/pytest tests/test_fuzz_parsers.py -n 2
"""

from __future__ import annotations

import itertools
import json
import os
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formproc.cli import one_line
from formproc.errors import FormprocError
from formproc.model import FIELD_NAMES, loads_records

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
NS = "http://www.cnas.ro/siui/2.0"

settings.register_profile("fuzz", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.register_profile("nightly", parent=settings.get_profile("fuzz"), max_examples=5000)
FUZZ = settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz")))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=40)
    | st.sampled_from(["", "2026-10-05", "2026-02-30", "9999-12-31", "0001-01-01", "2850314220170", "01", "AM"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """The seed with up to three slices replaced by random bytes (cuts and insertions included)."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 40)))
        data[start:end] = draw(st.binary(max_size=24) | st.sampled_from([b"", b"<", b">", b'"', b"&", b"\xff",
                                                                         b"&lt;", b"]]>", b"{", b"}", b"\x00"]))
    return bytes(data)


def refused_cleanly(call) -> None:
    """The call succeeds or raises a FormprocError with a message; anything else is a bug."""
    try:
        call()
    except FormprocError as exc:
        assert one_line(str(exc)) != "error", "a refusal must say why"


def as_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


@cache
def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@cache
def previous_report() -> bytes:
    from formproc.model import read_records
    from formproc.report import load_provider, prepare_report

    return prepare_report(read_records(str(SAMPLES / "records.json")), "2026-10",
                          load_provider(str(SAMPLES / "provider.json")), []).xml


FEEDBACK = (f'<?xml version="1.0" encoding="UTF-8"?>\n<report xmlns="{NS}" AppID="a1" reportMonth="10" '
            'reportYear="2026">\n  <certificate AppID="c1" serialCode="CCMAT" serialNo="4512301" state="false">'
            '<errors><error code="CM001">CNP invalid</error></errors></certificate>\n</report>\n').encode()


# --- records -----------------------------------------------------------------------------------------

@FUZZ
@given(mutated(sample("records.json")))
def test_records_from_mutated_files(data):
    refused_cleanly(lambda: loads_records(as_text(data), "records.json"))


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(FIELD_NAMES + ("unknown",)), json_values, max_size=10), max_size=3),
       st.booleans())
def test_records_with_fields_of_every_type(items, lines):
    text = "\n".join(json.dumps(i) for i in items) if lines else json.dumps(items)
    refused_cleanly(lambda: loads_records(text, "records.json"))


# --- SIUI files ----------------------------------------------------------------------------------------

_counter = itertools.count()


def _import(tmp_path: Path, data: bytes) -> None:
    from formproc.catalogs.siui import import_file

    path = tmp_path / f"siui-{next(_counter)}.xml"
    path.write_bytes(data)
    refused_cleanly(lambda: import_file(str(path)))


@FUZZ
@given(data=mutated(sample("NomenclaturesCM.xml")))
def test_nomenclature_mutated(tmp_path, data):
    _import(tmp_path, data)


@FUZZ
@given(data=mutated(sample("PersonalizedFileCM.xml")))
def test_personalization_mutated(tmp_path, data):
    _import(tmp_path, data)


xml_attr = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"<&\x00'), max_size=12)


@FUZZ
@given(section=st.sampled_from(["ICD10S", "Errors", "InsuranceHouses", "SickLeaveIndemnizations", "Countries",
                                "Unknown"]),
       entry=st.sampled_from(["ICD10", "Error", "InsuranceHouse", "SickLeaveIndemnization", "Other"]),
       attrs=st.dictionaries(st.sampled_from(["code", "name", "text", "type", "validFrom", "validTo", "percent",
                                              "description", "indemnizationGroup"]), xml_attr, max_size=6))
def test_nomenclature_generated(tmp_path, section, entry, attrs):
    body = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    _import(tmp_path, f'<Catalogues xmlns="{NS}"><{section}><{entry} {body}/></{section}></Catalogues>'.encode())


@FUZZ
@given(mutated(FEEDBACK))
def test_feedback_mutated(data):
    from formproc.report.feedback import parse_feedback, summary

    refused_cleanly(lambda: summary(parse_feedback(data, "feedback.xml")))


@FUZZ
@given(st.dictionaries(st.sampled_from(["AppID", "serialCode", "serialNo", "state", "code"]), xml_attr, max_size=5),
       st.sampled_from(["2026", "0", "-1", "99999", "x"]), st.sampled_from(["10", "0", "13", "x"]))
def test_feedback_generated(attrs, year, month):
    from formproc.report.feedback import parse_feedback, summary

    body = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    data = (f'<report xmlns="{NS}" AppID="a" reportMonth="{month}" reportYear="{year}">'
            f'<certificate {body}/></report>').encode()
    refused_cleanly(lambda: summary(parse_feedback(data, "feedback.xml")))


@FUZZ
@given(mutated(previous_report()))
def test_previous_report_mutated(data):
    from formproc.report import load_provider
    from formproc.report.rectify import submitted_state

    provider = load_provider(str(SAMPLES / "provider.json"))
    refused_cleanly(lambda: submitted_state([(data, "previous.xml")], provider, 2026, 10))


# --- templates, printer profiles, incomes ---------------------------------------------------------------

@cache
def template_2022() -> bytes:
    return (ROOT / "templates" / "ccm-2022.json").read_bytes()


@FUZZ
@given(data=mutated(template_2022()))
def test_template_mutated(tmp_path, data):
    from formproc.layout import load_template

    path = tmp_path / f"t{next(_counter)}.json"
    path.write_bytes(data)
    refused_cleanly(lambda: load_template(str(path)))


@FUZZ
@given(field=st.dictionaries(st.sampled_from(["name", "kind", "x", "y", "w", "h", "cells", "format", "options",
                                              "size", "lines", "spelled", "align"]), json_values, max_size=8),
       page=json_values)
def test_template_generated(tmp_path, field, page):
    from formproc.layout import load_template

    path = tmp_path / f"g{next(_counter)}.json"
    path.write_text(json.dumps({"name": "fuzz", "page": page, "fields": [field]}))
    refused_cleanly(lambda: load_template(str(path)))


@FUZZ
@given(st.dictionaries(st.sampled_from(["name", "offset_x_mm", "offset_y_mm", "scale_x", "scale_y", "rotation_deg",
                                        "nudges", "other"]), json_values, max_size=6) | json_values)
def test_printer_profile_generated(data):
    from formproc.render.profile import parse_profile

    refused_cleanly(lambda: parse_profile(json.dumps(data), "profile.json"))


@FUZZ
@given(mutated(json.dumps({"name": "birou", "offset_x_mm": 1.5, "scale_y": 0.998, "rotation_deg": 0.2,
                           "nudges": {"pid": {"x": 0.5, "y": 0}}}).encode()))
def test_printer_profile_mutated(data):
    from formproc.render.profile import parse_profile

    refused_cleanly(lambda: parse_profile(as_text(data), "profile.json"))


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(["month", "income", "daysWorked", "x"]), json_values, max_size=4),
                max_size=4) | json_values)
def test_incomes_generated(data):
    from formproc.model import Certificate
    from formproc.payer import compute, parse_incomes

    cert = Certificate.model_validate(json.loads(sample("records.json"))[0])

    def run() -> None:
        compute(cert, parse_incomes(data, "incomes.json"))

    refused_cleanly(run)


def test_nightly_profile_runs_more_examples():
    assert settings.get_profile("nightly").max_examples > settings.get_profile("fuzz").max_examples >= 50
