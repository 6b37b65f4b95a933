"""Import of the SIUI files every reporting application receives from CNAS.

- the nomenclature file (root `Catalogues`, structure of NomenclaturesCM.xsd): diagnoses (ICD10S,
  the 999-code list), insurance houses, error catalog, group-A diseases, isolation diseases,
  medico-surgical emergencies, indemnity codes;
- the personalization file (root `provider`, structure of PersonalizedFileCM.xsd): the provider,
  its conventions and the physicians' paraph codes.

Files are parsed through formproc.xmlsafe and checked against the structure below (the parts of
the official schemas formproc reads); each imported list replaces the shipped default of its kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from formproc.catalogs import SHIPPED, Entry, norm_code, save_imported_all, shipped_entries
from formproc.errors import InputError
from formproc.settings import data_dir
from formproc.xmlsafe import parse_file

NS = "http://www.cnas.ro/siui/2.0"


@dataclass(frozen=True)
class Section:
    """One nomenclature section: its entry element, the catalog kind it feeds, its attributes."""

    entry: str
    kind: str
    name_attr: str
    required: tuple[str, ...]
    dated: bool = True


# Sections of NomenclaturesCM that formproc imports, in the schema's order of appearance.
SECTIONS: dict[str, Section] = {
    "InsuranceHouses": Section("InsuranceHouse", "cas", "name", ("code", "name", "type", "validFrom")),
    "Errors": Section("Error", "error", "text", ("code", "validFrom")),
    "ICD10S": Section("ICD10", "diagnosis", "name", ("code", "name", "validFrom")),
    "SickLeaveIndemnizations": Section("SickLeaveIndemnization", "indemnity", "description",
                                       ("code", "description", "indemnizationGroup", "percent", "validFrom")),
    "InfectoContagiousDiseases": Section("InfectoContagiousDisease", "group_a", "description",
                                         ("code", "description", "validFrom")),
    "InfectoContagiousDiseasesWithIsolation": Section("InfectoContagiousDiseaseWithIsolation", "isolation",
                                                      "description", ("code", "description", "validFrom")),
    "MedicoChirurgicalEmergencies": Section("MedicoChirurgicalEmergency", "emergency", "description",
                                            ("code", "description", "validFrom")),
}
# Sections of the official schema formproc does not use; accepted and ignored.
OTHER_SECTIONS = {"Countries", "CnasAgreements", "EuMembers", "Districts", "InsuranceHouseTypes", "CityTypes",
                  "Cities", "Street_Types", "Streets", "Specialities", "PersonalIDCardTypes", "DiseaseCategories",
                  "SickLeaveIndemnizationsGroups", "OrgUnitReportingMappings"}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _check_ns(el: etree._Element, source: str) -> None:
    if etree.QName(el).namespace != NS:
        raise InputError(f"{source}: element '{_local(el)}' is not in the SIUI namespace {NS}")


def _date_attr(el: etree._Element, attr: str, source: str) -> date | None:
    value = el.get(attr)
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(f"{source}: line {el.sourceline}: {_local(el)} @{attr}='{value}' is not a date") from None


def _elements(parent: etree._Element, attrs: tuple[str, ...], source: str,
              tag: str | None = None) -> list[etree._Element]:
    """The child elements of `parent`: in the SIUI namespace, named `tag` (when given), with `attrs`."""
    out = []
    for el in parent:
        if not isinstance(el.tag, str):
            continue
        _check_ns(el, source)
        if tag is not None and _local(el) != tag:
            raise InputError(f"{source}: line {el.sourceline}: unexpected '{_local(el)}' in {_local(parent)}")
        missing = [a for a in attrs if el.get(a) is None]
        if missing:
            raise InputError(f"{source}: line {el.sourceline}: {_local(el)} lacks attribute '{missing[0]}'")
        out.append(el)
    return out


def _entries(section_el: etree._Element, section: Section, source: str) -> list[Entry]:
    out = []
    for el in _elements(section_el, section.required, source, tag=section.entry):
        attrs = {k: v for k, v in el.attrib.items() if k not in ("code", section.name_attr, "validFrom", "validTo")}
        out.append(Entry(el.get("code", "").strip(), el.get(section.name_attr, "") or "",
                         _date_attr(el, "validFrom", source), _date_attr(el, "validTo", source), attrs))
    return out


def _overlay(kind: str, imported: list[Entry]) -> list[Entry]:
    """Imported entries over the shipped default list of a kind: same code replaced, others kept.

    For indemnity codes formproc's own rules data (bands, payer, requirements) is kept for a code
    SIUI also lists; a code only SIUI lists gets SIUI's flat percent.
    """
    ours = {norm_code(kind, e.code): e for e in shipped_entries(kind)}
    merged = []
    for e in imported:
        base = ours.pop(norm_code(kind, e.code), None)
        attrs = dict(e.attrs)
        if kind == "indemnity":
            attrs = dict(base.attrs) if base else {"percent": [{"validFrom": None, "validTo": None,
                                                               "percent": _int(e.attrs.get("percent"))}]}
            attrs["siui"] = e.attrs
        merged.append(Entry(e.code, e.name, e.valid_from, e.valid_to, attrs))
    return merged + list(ours.values())


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def import_nomenclature(root: etree._Element, source: str) -> dict[str, int]:
    """Import every known section of a `Catalogues` document; returns entries per kind."""
    found: dict[str, list[Entry]] = {}
    for section_el in root:
        if not isinstance(section_el.tag, str):
            continue
        _check_ns(section_el, source)
        name = _local(section_el)
        if name in OTHER_SECTIONS:
            continue
        if name not in SECTIONS:
            raise InputError(f"{source}: line {section_el.sourceline}: unknown section '{name}'")
        section = SECTIONS[name]
        found[section.kind] = _entries(section_el, section, source)
    # all sections were checked before anything is saved; then every list is saved, or none
    save_imported_all({kind: _overlay(kind, entries) if kind in SHIPPED else entries for kind, entries in found.items()})
    return {kind: len(entries) for kind, entries in found.items()}


def import_personalization(root: etree._Element, source: str) -> dict[str, Any]:
    """Import a `provider` document: provider data, conventions and physicians' paraph codes."""
    for attr in ("code", "name", "uic", "issueDate"):
        if root.get(attr) is None:
            raise InputError(f"{source}: provider lacks attribute '{attr}'")
    children = {_local(c): c for c in root if isinstance(c.tag, str)}
    for required in ("addresses", "employees", "conventions"):
        if required not in children:
            raise InputError(f"{source}: provider lacks element '{required}'")
    employees = {emp.get("stencilNo"): emp
                 for emp in _elements(children["employees"], ("cid", "firstName", "lastName", "validFrom"), source)
                 if emp.get("stencilNo")}
    conventions, physicians = [], {}
    for conv in _elements(children["conventions"], ("conventionNo", "conventionDate", "validFrom", "orgUnitCode"),
                          source):
        stencils = [p.get("stencilNo") for p in conv.iter(f"{{{NS}}}physician") if p.get("stencilNo")]
        conventions.append(Entry(conv.get("conventionNo"), conv.get("orgUnitCode"),
                                 _date_attr(conv, "validFrom", source), _date_attr(conv, "validTo", source),
                                 {"conventionDate": conv.get("conventionDate"), "physicians": stencils}))
        for stencil in stencils:
            emp = employees.get(stencil)
            name = f"{emp.get('lastName')} {emp.get('firstName')}" if emp is not None else ""
            valid_from = _date_attr(emp, "validFrom", source) if emp is not None else None
            valid_to = _date_attr(emp, "validTo", source) if emp is not None else None
            physicians[stencil] = Entry(stencil, name, valid_from, valid_to,
                                        {"conventionNo": conv.get("conventionNo")})
    provider = {"providerCode": root.get("code"), "providerName": root.get("name"), "cui": root.get("uic"),
                "conventions": [c.to_dict() for c in conventions]}
    save_imported_all({"convention": conventions, "physician": list(physicians.values())},
                      {data_dir() / "provider.json": json.dumps(provider, ensure_ascii=False, indent=2)})
    return {"provider": provider["providerCode"], "convention": len(conventions), "physician": len(physicians)}


def import_file(path: str) -> dict[str, Any]:
    """Import a SIUI nomenclature or personalization file; returns a summary of what was imported."""
    root = parse_file(path)
    _check_ns(root, path)
    kind = _local(root)
    if kind == "Catalogues":
        return {"file": "nomenclature", "imported": import_nomenclature(root, path)}
    if kind == "provider":
        return {"file": "personalization", "imported": import_personalization(root, path)}
    raise InputError(f"{path}: root element '{kind}' is neither a SIUI nomenclature (Catalogues) "
                     "nor a personalization file (provider)")
