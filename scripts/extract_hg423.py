"""Extract the two lists of HG 423/2020 (urgențe 1-177, grupa A 1-35) into catalog JSON files.

Usage: python scripts/extract_hg423.py [../shared/law/hg-423-2020-urgente-grupa-A.txt]
Writes formproc/catalogs/data/emergencies.json and group_a.json.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SOURCE = "HG 423/2020, Anexa"
VALID_FROM = "2020-05-28"
DATA = Path(__file__).resolve().parent.parent / "formproc" / "catalogs" / "data"


def parse(text: str) -> tuple[list[dict], list[dict]]:
    """The numbered entries of part I and part II of the annex."""
    annex = text.split("Urgențe medico-chirurgicale:", 1)[1]
    part1, part2 = annex.split("Boli infectocontagioase din grupa A:", 1)

    def entries(part: str, section: str) -> list[dict]:
        found = re.findall(r"(\d+)\.\s*\n(.+?)[;.]?\s*\n\.\.\.", " \n" + part.strip(), flags=re.S)
        rows = [{"code": n, "name": " ".join(name.split()), "validFrom": VALID_FROM, "validTo": None,
                 "source": f"{SOURCE} {section} pct. {n}"} for n, name in found]
        assert [int(r["code"]) for r in rows] == list(range(1, len(rows) + 1)), "numbering gap"
        return rows

    return entries(part1, "cap. I"), entries(part2, "cap. II")


def main() -> None:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/law/hg-423-2020-urgente-grupa-A.txt")
    urg, group_a = parse(src.read_text(encoding="utf-8"))
    for name, rows in (("emergencies.json", urg), ("group_a.json", group_a)):
        (DATA / name).write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(name, len(rows))


if __name__ == "__main__":
    main()
