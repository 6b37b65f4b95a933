"""Static checks over the code: untrusted XML only through formproc.xmlsafe; no Streamlit in the core."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "formproc"
UNSAFE_XML = re.compile(r"etree\.(parse|fromstring|XML|XMLParser|iterparse|HTML)\s*\(|"
                        r"\bxml\.(etree|dom|sax)\b|\bminidom\b|lxml\.objectify|XMLSchema\(etree\.parse")


def python_files():
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts or p.name == "env.py"]


def test_xml_is_parsed_only_by_xmlsafe():
    offenders = []
    for path in python_files():
        if path.name == "xmlsafe.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UNSAFE_XML.search(line):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{n}: {line.strip()}")
    assert offenders == [], "parse XML through formproc.xmlsafe:\n" + "\n".join(offenders)


def test_core_never_imports_streamlit():
    offenders = [str(p.relative_to(PACKAGE.parent)) for p in python_files()
                 if re.search(r"^\s*(import|from)\s+streamlit\b", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []
