"""Validation speed: single-certificate rules (certificates/s), 100,000 certificates with cross rules,
and `formproc validate` end to end on a JSON Lines file of the same certificates.

Run: .venv/bin/python bench/validate.py [N] [--repeat R] [--no-cli]
     (N certificates, default 100000; each figure is the best of R runs, default 3)
Targets: >= 20,000 certificates/s single-certificate; 100,000 with cross rules in <= 5 s.
CPU seconds are printed next to wall seconds: on a shared machine the wall time also counts the
time other processes held the cores (the load average is printed for that reason).
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from formproc.identity import make_cnp, make_cui
from formproc.model import Certificate, dumps_records
from formproc.rules import validate_record, validate_records

CODES = ["01"] * 12 + ["06", "05", "08", "09", "12", "13", "14", "15", "17", "51"]


def synthetic(n: int, seed: int = 7) -> list[Certificate]:
    """n certificates of about n/3 people, each with an initial certificate and continuations in 2026."""
    rnd = random.Random(seed)
    cui = make_cui("3154321")
    out: list[Certificate] = []
    serial = 1_000_000
    while len(out) < n:
        born = date(1960, 1, 1) + timedelta(days=rnd.randrange(16000))
        pid = make_cnp(born, female=rnd.random() < 0.5, county=f"{rnd.randrange(1, 40):02d}",
                       serial=rnd.randrange(1, 999), foreign=rnd.random() < 0.02)
        code = rnd.choice(CODES)
        start = date(2026, 1, 1) + timedelta(days=rnd.randrange(330))
        prev = None
        diag = "RM" if code == "15" else f"{rnd.randrange(1, 999):03d}"
        cared = make_cnp(date(2020, 5, 2) if code == "09" else date(1950, 3, 3), serial=rnd.randrange(1, 999),
                         county=f"{rnd.randrange(1, 40):02d}")
        for _ in range(rnd.choice((1, 1, 2, 3))):
            end_of_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            end = min(start + timedelta(days=rnd.randrange(0, 5 if code == "06" else 10)), end_of_month)
            serial += 1
            data = {
                "serialCode": "CCMAT", "serialNo": str(serial), "continuation": prev is not None,
                "month": start.month, "year": start.year, "indemnCode": code, "lastName": "POPESCU",
                "firstName": "ION", "pid": pid, "issueDate": start if prev is None else prev.validTo,
                "days": (end - start).days + 1, "validFrom": start, "validTo": end,
                "diagCode": diag, "diagType": "0",
                "insuredOrgUnit": "CAS-IS", "certType": "AM", "issuerType": "SPEC", "cui": cui,
                "stencil": "A1B2C3", "conventionCas": "CAS-IS",
            }
            if prev is not None:
                data.update(prevSerialCode="CCMAT", prevSerialNo=prev.serialNo)
            if code in ("09", "17"):
                data["childPid"] = cared
            if code == "05":
                data["contagious"] = "12"
            if code == "06":
                data["emergency"] = "44"
            if code == "15":
                data["maternStencil"] = "M1234"
            cert = Certificate.model_validate(data)
            out.append(cert)
            prev = cert
            start = end + timedelta(days=1)
            if start.year > 2026:
                break
    return out[:n]


def timed(work):
    """Result, wall seconds and CPU seconds of a call (CPU shows the share lost to a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def best_of(repeat: int, work):
    """The last result, the best wall time and the best CPU time of `repeat` runs."""
    runs = [timed(work) for _ in range(repeat)]
    return runs[-1][0], min(r[1] for r in runs), min(r[2] for r in runs)


def cli_run(path: Path, today: date) -> tuple[int, float, float]:
    """`formproc validate FILE` in a fresh process: exit code, wall and CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "formproc.cli", "validate", str(path), "--today", today.isoformat()],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"formproc validate failed: {done.stderr.decode(errors='replace').strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.returncode, wall, cpu


def main() -> None:
    args = sys.argv[1:]
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 3
    positional = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or args[i - 1] != "--repeat")]
    n = int(positional[0]) if positional else 100_000
    t0 = time.perf_counter()
    records = synthetic(n)
    build = time.perf_counter() - t0
    today = date(2026, 12, 31)

    single, t_single, cpu_single = best_of(repeat, lambda: [validate_record(r, today=today) for r in records])
    cross, t_cross, cpu_cross = best_of(repeat, lambda: validate_records(records, today=today))

    print(f"records built: {n} in {build:.1f} s (not timed below); best of {repeat} runs; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"single-certificate rules: {n / t_single:,.0f} certificates/s wall, {n / cpu_single:,.0f}/s CPU "
          f"({t_single:.2f} s wall, {cpu_single:.2f} s CPU for {n}; target >= 20,000/s)")
    print(f"with cross rules: {n} certificates in {t_cross:.2f} s wall, {cpu_cross:.2f} s CPU ({n / t_cross:,.0f}/s; "
          f"target <= 5 s for 100,000)")
    print(f"findings: {sum(map(len, single))} single, {sum(map(len, cross))} with cross rules")
    if "--no-cli" in args:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.jsonl"
        path.write_text(dumps_records(records, lines=True), encoding="utf-8")
        runs = [cli_run(path, today) for _ in range(repeat)]
        size = path.stat().st_size / 1e6
    print(f"formproc validate (JSON Lines, {size:.0f} MB, {n} records, new process): "
          f"{min(r[1] for r in runs):.2f} s wall, {min(r[2] for r in runs):.2f} s CPU (exit {runs[-1][0]})")


if __name__ == "__main__":
    main()
