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
