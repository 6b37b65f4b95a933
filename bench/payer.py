"""Benchmark: payer computations per second (single certificates and 3-certificate episodes)."""

from __future__ import annotations

import time
from datetime import date, timedelta

from formproc.model import Certificate
from formproc.payer import compute, parse_incomes

INCOMES = parse_incomes([{"month": f"2026-{m:02d}", "income": 7000, "daysWorked": 19} for m in range(1, 7)])


def cert(serial: str, start: date, days: int, prev: str | None = None) -> Certificate:
    return Certificate(serialCode="CCMAT", serialNo=serial, indemnCode="01", validFrom=start,
                       validTo=start + timedelta(days=days - 1), days=days, issueDate=start,
                       continuation=prev is not None, prevSerialCode="CCMAT" if prev else None, prevSerialNo=prev)


def main() -> None:
    n = 500
    single = [cert(str(i), date(2026, 7, 1) + timedelta(days=i % 20), 5 + i % 7) for i in range(n)]
    t0 = time.perf_counter()
    for c in single:
        compute(c, INCOMES)
    t1 = time.perf_counter()
    a, b = cert("1", date(2026, 7, 1), 10), cert("2", date(2026, 7, 11), 10, "1")
    last = cert("3", date(2026, 7, 21), 10, "2")
    for _ in range(n):
        compute(last, INCOMES, history=[a, b])
    t2 = time.perf_counter()
    print(f"payer single certificate: {n / (t1 - t0):,.0f}/s ({(t1 - t0) / n * 1000:.2f} ms each)")
    print(f"payer 3-certificate episode: {n / (t2 - t1):,.0f}/s ({(t2 - t1) / n * 1000:.2f} ms each)")


if __name__ == "__main__":
    main()
