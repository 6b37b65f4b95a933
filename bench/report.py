"""Benchmark: the monthly SIUI report of 10,000 certificates.

Prints the time to map, build and check against formproc's own schema (target ≤ 2 s), the time
of the whole `prepare_report` (validator included, i.e. what `formproc report` does), and, when
../shared/cnas is beside the repository, the time to check the result against the official XSD.

    .venv/bin/python bench/report.py [N]
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

from lxml import etree

from formproc.identity import make_cnp
from formproc.model import Certificate
from formproc.report import Provider, prepare_report
from formproc.report.build import render, select_records
from formproc.report.siui_xml import certificate_attrs

TARGET_S = 2.0
PROVIDER = Provider(providerCode="MF0001", providerName="CMI Dr Popescu", insuranceHouse="CAS-IS",
                    conventionNo="C123/2024", cui="18547290")
OFFICIAL = Path(__file__).resolve().parent.parent.parent / "shared" / "cnas" / "ImportSickLeaveReport.xsd"


def certificates(n: int, year: int = 2025, month: int = 3) -> list[Certificate]:
    """n valid family-doctor certificates of one month, one per patient."""
    out = []
    for i in range(n):
        start = date(year, month, 1 + i % 25)
        out.append(Certificate(
            serialCode="CCMAT", serialNo=f"{1000000 + i:07d}", continuation=False, month=month, year=year,
            indemnCode="01", insuredOrgUnit="CAS-IS", lastName="POPA", firstName="ION",
            pid=make_cnp(date(1950, 1, 1) + timedelta(days=i), female=bool(i % 2)), address="IAȘI",
            regNo=str(i + 1), certType="AM", issueDate=start, days=4, validFrom=start,
            validTo=start + timedelta(days=3), diagCode="123", diagType="0", unitType="CMI", issuerType="MF",
            conventionNo="C123/2024", conventionCas="CAS-IS", doctorName="POPESCU MARIA", cui="18547290",
            stencil="A12345"))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    records = certificates(n)

    t0 = time.perf_counter()
    sel = select_records(records, 2025, 3)
    mapped = [certificate_attrs(rec, PROVIDER, 2025, 3) for _, rec in sel.included]
    assert not any(m.problems for m in mapped)
    xml, _, counts = render([m.attrs for m in mapped], PROVIDER, 2025, 3)
    build_s = time.perf_counter() - t0
    assert counts["certificates"] == n

    t0 = time.perf_counter()
    prepared = prepare_report(records, "2025-03", PROVIDER, today=date(2025, 4, 5))
    full_s = time.perf_counter() - t0
    assert prepared.xml == xml

    print(f"certificates: {n}, report size: {len(xml) / 1e6:.1f} MB")
    print(f"build + own-schema check: {build_s:.3f} s (target <= {TARGET_S:.1f} s: "
          f"{'OK' if build_s <= TARGET_S else 'TOO SLOW'})")
    print(f"prepare_report (validator + build + check): {full_s:.3f} s")
    if OFFICIAL.exists():
        schema = etree.XMLSchema(etree.parse(str(OFFICIAL), etree.XMLParser(resolve_entities=False, no_network=True)))
        t0 = time.perf_counter()
        ok = schema.validate(etree.fromstring(xml))
        print(f"official XSD check: {time.perf_counter() - t0:.3f} s ({'valid' if ok else 'INVALID'})")
    if build_s > TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
