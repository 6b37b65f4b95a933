"""The monthly report XML: selection, mapping, AppIDs, blocking, rectification, official XSD."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import REPORT_PROVIDER, official_schema, report_certificate
from lxml import etree

from formproc.errors import InputError
from formproc.report import Provider, ReportBlocked, build_report, prepare_report
from formproc.report import siui_xml
from formproc.report.schema import attribute_problems, report_schema

NS = "{http://www.cnas.ro/siui/2.0}"
PROVIDER = Provider(**REPORT_PROVIDER)
TODAY = date(2025, 4, 5)


@pytest.fixture(scope="module")
def official():
    return official_schema("ImportSickLeaveReport.xsd")


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def certs(root: etree._Element) -> dict[tuple[str, str], etree._Element]:
    return {(c.get("serialCode"), c.get("serialNo")): c for c in root.iterchildren(f"{NS}certificate")}


def assert_official(official, xml: bytes) -> etree._Element:
    root = parse(xml)
    assert official.validate(root), official.error_log
    assert report_schema().validate(root), report_schema().error_log
    return root


def month_records():
    recs = [report_certificate(n) for n in range(6)]
    recs.append(report_certificate(6, status="annulled"))
    recs.append(report_certificate(7, month=2, issueDate=date(2025, 2, 20), validFrom=date(2025, 2, 20),
                                   validTo=date(2025, 2, 23)))
    recs.append(report_certificate(8, duplicate=1, duplSerialCode="CCMAT", duplSerialNo="1000003",
                                   serialNo="2000008"))
    return recs


def test_plain_report_is_valid_and_complete(official):
    recs = month_records()
    xml = build_report(recs, "2025-03", PROVIDER, today=TODAY)
    root = assert_official(official, xml)
    assert root.get("reportMonth") == "3" and root.get("reportYear") == "2025"
    assert root.get("correction") is None
    assert root.get("providerCode") == "MF0001" and root.get("AppKey") == "FORMPROC"
    found = certs(root)
    assert set(found) == {("CCMAT", f"{1000000 + n:07d}") for n in range(6)} | {("CCMAT", "2000008")}
    assert ("CCMAT", "1000006") not in found  # annulled
    assert ("CCMAT", "1000007") not in found  # February
    dup = found[("CCMAT", "2000008")]
    assert (dup.get("duplicate"), dup.get("duplSerialCode"), dup.get("duplSerialNo")) == ("1", "CCMAT", "1000003")
    assert found[("CCMAT", "1000000")].get("duplicate") == "0"
    assert all(c.get("correctionType") is None for c in found.values())


def test_one_to_one_mapping_and_periods(official):
    rec = report_certificate(1, emergency="12", contagious="3", isEmergencyRecommendation=True, childPid=None,
                             cid="1" * 20, cardNo="8" * 16, expertNo="77", expertDate=date(2025, 3, 2),
                             expertStencil="B54321", cheifStencil="C11111")
    attrs = siui_xml.certificate_attrs(rec, PROVIDER, 2025, 3).attrs
    for name in ("serialCode", "serialNo", "indemnCode", "emergency", "contagious", "certType", "stencil", "pid",
                 "cid", "cardNo", "insuredOrgUnit", "expertNo", "expertStencil", "cheifStencil"):
        assert attrs[name] == getattr(rec, name), name
    assert attrs["issueDate"] == rec.issueDate.isoformat() and attrs["expertDate"] == "2025-03-02"
    assert attrs["continuation"] == "false" and attrs["isEmergencyRecommendation"] == "true"
    assert (attrs["month"], attrs["year"]) == ("3", "2025")
    assert attrs["internValidFrom"] == rec.validFrom.isoformat() and attrs["internValidTo"] == rec.validTo.isoformat()
    assert (attrs["internDiagCode"], attrs["internDiagType"]) == ("123", "0")
    assert not any(k.startswith("extern") for k in attrs)


def test_hospital_certificate_maps_discharge_row_to_extern():
    rec = report_certificate(2, certType="IN", externValidFrom=date(2025, 3, 10), externValidTo=date(2025, 3, 12),
                             externDiagCode="456", externDiagType="1", externDays=3)
    attrs = siui_xml.certificate_attrs(rec, PROVIDER, 2025, 3).attrs
    assert attrs["internValidFrom"] == rec.validFrom.isoformat()
    assert (attrs["externValidFrom"], attrs["externValidTo"]) == ("2025-03-10", "2025-03-12")
    assert (attrs["externDiagCode"], attrs["externDiagType"]) == ("456", "1")


def test_ambulatory_mapping_is_one_switch(monkeypatch, official):
    rec = report_certificate(3)
    monkeypatch.setattr(siui_xml, "AMBULATORY_PERIOD", "extern")
    attrs = siui_xml.certificate_attrs(rec, PROVIDER, 2025, 3).attrs
    assert attrs["externValidFrom"] == rec.validFrom.isoformat() and attrs["externDiagCode"] == "123"
    assert not any(k.startswith("intern") for k in attrs)
    hospital = siui_xml.certificate_attrs(report_certificate(4, certType="IN"), PROVIDER, 2025, 3).attrs
    assert "internValidFrom" in hospital
    assert_official(official, build_report([rec], "2025-03", PROVIDER, today=TODAY))


def test_app_ids_are_stable_unique_and_within_limits(official):
    recs = month_records()
    first = build_report(recs, "2025-03", PROVIDER, today=TODAY)
    again = build_report(list(reversed(recs)), "2025-03", PROVIDER, today=TODAY)
    a, b = parse(first), parse(again)
    assert a.get("AppID") == b.get("AppID") and len(a.get("AppID")) <= 20
    ids_a = {k: c.get("AppID") for k, c in certs(a).items()}
    assert ids_a == {k: c.get("AppID") for k, c in certs(b).items()}
    assert len(set(ids_a.values())) == len(ids_a) and all(len(i) <= 40 for i in ids_a.values())
    other = Provider(**{**REPORT_PROVIDER, "providerCode": "MF0002"})
    c = parse(build_report(recs, "2025-03", other, today=TODAY))
    assert c.get("AppID") != a.get("AppID")
    assert not set(ids_a.values()) & {x.get("AppID") for x in certs(c).values()}


def test_error_findings_block_the_report():
    bad = report_certificate(2, pid="1800101220010")  # wrong check digit
    with pytest.raises(ReportBlocked) as blocked:
        prepare_report([report_certificate(1), bad], "2025-03", PROVIDER, today=TODAY)
    assert blocked.value.exit_code == 1
    entries = blocked.value.entries
    assert [e["serialNo"] for e in entries] == [bad.serialNo]
    assert entries[0]["index"] == 1
    finding = entries[0]["findings"][0]
    assert set(finding) == {"rule", "severity", "fields", "message", "source"}
    assert any(f["severity"] == "error" and "pid" in f["fields"] for f in entries[0]["findings"])


def test_annulled_sheet_with_errors_does_not_block(official):
    annulled = report_certificate(2, status="annulled", pid=None, stencil=None)
    xml = build_report([report_certificate(1), annulled], "2025-03", PROVIDER, today=TODAY)
    assert set(certs(assert_official(official, xml))) == {("CCMAT", "1000001")}


def test_report_constraints_become_findings():
    rec = report_certificate(3, insuredOrgUnit=None, duplicate=2)
    mapped = siui_xml.certificate_attrs(rec, PROVIDER, 2025, 3)
    fields = {f for f, _ in mapped.problems}
    assert {"insuredOrgUnit", "duplSerialCode"} <= fields
    clean = siui_xml.certificate_attrs(report_certificate(4), PROVIDER, 2025, 3).attrs
    assert attribute_problems(clean) == []
    assert attribute_problems({**clean, "pid": "123"}) == [("pid", "trebuie să aibă exact 13 caractere")]


def test_same_sheet_twice_in_the_month_blocks():
    with pytest.raises(ReportBlocked) as blocked:
        prepare_report([report_certificate(1), report_certificate(1)], "2025-03", PROVIDER, today=TODAY)
    ours = [e["index"] for e in blocked.value.entries for f in e["findings"]
            if f["rule"] == "RAPORT-SIUI" and "de două ori" in f["message"]]
    assert ours == [1]


def test_empty_month_and_bad_month():
    with pytest.raises(InputError, match="nothing to report"):
        build_report([report_certificate(1)], "2025-05", PROVIDER, today=TODAY)
    with pytest.raises(InputError, match="YYYY-MM"):
        build_report([report_certificate(1)], "2025/03", PROVIDER, today=TODAY)


def test_rectificative_report(official):
    recs = [report_certificate(n) for n in range(5)]
    original = build_report(recs, "2025-03", PROVIDER, today=TODAY)
    changed = recs[1].model_copy(update={"diagCode": "321"})
    added = report_certificate(9)
    annulled = recs[2].model_copy(update={"status": "annulled"})
    current = [recs[0], changed, annulled, recs[3], added]  # recs[4] deleted from the data
    rect = build_report(current, "2025-03", PROVIDER, previous=original, today=TODAY)
    root = assert_official(official, rect)
    assert root.get("correction") == "true"
    assert root.get("AppID") != parse(original).get("AppID")
    kinds = {k: c.get("correctionType") for k, c in certs(root).items()}
    assert kinds == {("CCMAT", "1000001"): "M", ("CCMAT", "1000009"): "A",
                     ("CCMAT", "1000002"): "S", ("CCMAT", "1000004"): "S"}
    by_key = certs(root)
    before = certs(parse(original))
    assert by_key[("CCMAT", "1000001")].get("AppID") == before[("CCMAT", "1000001")].get("AppID")
    assert by_key[("CCMAT", "1000001")].get("internDiagCode") == "321"
    deleted = dict(by_key[("CCMAT", "1000004")].attrib)
    assert {k: v for k, v in deleted.items() if k != "correctionType"} == dict(before[("CCMAT", "1000004")].attrib)

    # A second rectificative is computed against the original plus the first rectificative.
    later = [recs[0], changed, recs[3], added.model_copy(update={"diagCode": "222"})]
    rect2 = build_report(later, "2025-03", PROVIDER, previous=[original, rect], today=TODAY)
    root2 = assert_official(official, rect2)
    assert {k: c.get("correctionType") for k, c in certs(root2).items()} == {("CCMAT", "1000009"): "M"}
    assert root2.get("AppID") not in (root.get("AppID"), parse(original).get("AppID"))
    assert build_report(later, "2025-03", PROVIDER, previous=[original, rect], today=TODAY) == rect2


def test_rectificative_needs_a_difference_and_the_same_report():
    recs = [report_certificate(n) for n in range(3)]
    original = build_report(recs, "2025-03", PROVIDER, today=TODAY)
    with pytest.raises(InputError, match="nothing to rectify"):
        build_report(recs, "2025-03", PROVIDER, previous=original, today=TODAY)
    april = [report_certificate(n, month=4, issueDate=date(2025, 4, 2), validFrom=date(2025, 4, 2),
                                validTo=date(2025, 4, 5)) for n in range(2)]
    with pytest.raises(InputError, match="reportMonth"):
        build_report(april, "2025-04", PROVIDER, previous=original, today=TODAY)
    rect = build_report(recs[:2], "2025-03", PROVIDER, previous=original, today=TODAY)
    with pytest.raises(InputError, match="original"):
        build_report(recs, "2025-03", PROVIDER, previous=[rect], today=TODAY)
    with pytest.raises(InputError, match="DOCTYPE|entity|well-formed"):
        build_report(recs, "2025-03", PROVIDER, today=TODAY,
                     previous=b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')


def test_own_schema_is_at_least_as_strict_as_the_official(official):
    xml = build_report([report_certificate(1)], "2025-03", PROVIDER, today=TODAY)
    mutations = {"pid": "12345", "stencil": "a1", "certType": "XX", "duplicate": "100", "month": "13",
                 "internDiagType": "7", "cid": "123", "serialCode": "TOOLONG"}
    for attr, value in mutations.items():
        root = parse(xml)
        root[0].set(attr, value)
        assert not official.validate(root), attr
        assert not report_schema().validate(root), attr
    root = parse(xml)
    del root[0].attrib["insuredOrgUnit"]
    assert not official.validate(root) and not report_schema().validate(root)


def test_child_ids_are_reported_for_child_care(official):
    from formproc.identity import make_cnp

    child = make_cnp(date(2020, 6, 1), female=True, serial=42)
    rec = report_certificate(5, indemnCode="09", childPid=child, childCid="2" * 20)
    attrs = siui_xml.certificate_attrs(rec, PROVIDER, 2025, 3).attrs
    assert (attrs["childPid"], attrs["childCid"]) == (child, "2" * 20)
    xml = build_report([rec], "2025-03", PROVIDER, today=TODAY)
    assert official.validate(etree.fromstring(xml)), official.error_log
