"""Synthetic filled scans with their truth: `formproc sample --template NAME --count N --seed S -o DIR`.

Each sample is a random but lawful-looking certificate (real CNP and CUI check digits, codes from
the catalogs, consistent dates) put on the template's blank: fields typed by a printer (through
formproc.render.printing, in the printer font) or hand-printed into the boxes with one of the
Debian handwriting fonts, with X marks and struck words by hand; then the copy's paper and ink
(white original; pink/green carbon copies with fainter bluish-violet strokes), round blue stamps,
and scan or phone distortions (rotation incl. upside down, scale, perspective, blur, noise,
uneven light, JPEG loss). Every image NNNN.(png|jpg) gets NNNN.json with the record and how the
page was made; truth.jsonl lists them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formproc import catalogs
from formproc.fieldvalues import to_form
from formproc.files import write_atomic
from formproc.identity import make_cnp, make_cui
from formproc.layout import Template, load_template
from formproc.model import Certificate, field_item
from formproc.scan import fonts

LAST = ("POPESCU", "IONESCU", "POPA", "RADU", "DUMITRU", "STAN", "STOICA", "GHEORGHE", "MATEI",
        "CIOBANU", "RUSU", "MUNTEANU", "NEAGU", "TUDOR", "LUPU", "FLOREA", "MARIN", "BARBU", "VLAD",
        "COSTACHE", "ENACHE", "DOBRE", "PETRESCU", "NICOLAE", "ZAHARIA", "OPREA", "IORDACHE", "KOVACS")
FIRST = ("ANA", "MARIA", "ELENA", "IOANA", "ANDREEA", "MIHAI", "ANDREI", "ION", "GEORGE", "DAN",
         "ALEXANDRU", "CRISTINA", "VASILE", "ADRIAN", "OANA", "RALUCA", "BOGDAN", "IULIA", "PAUL",
         "ANA-MARIA", "EMIL", "LAURA", "SORIN", "TUDOR", "VICTOR", "XENIA", "QUIRIN", "ZOE", "YVONNE")
TOWNS = ("Iași", "București", "Cluj-Napoca", "Timișoara", "Brașov", "Constanța", "Pitești", "Suceava")
STREETS = ("Str. Lăpușneanu", "Bd. Independenței", "Str. Florilor", "Str. Mihai Eminescu",
           "Calea Victoriei", "Str. Ștefan cel Mare", "Aleea Trandafirilor")
UNITS = ("CMI Dr. Popescu Ana", "Spitalul Clinic Județean", "CMI Dr. Radu Mihai", "Policlinica Centru",
         "Spitalul Municipal", "Centrul Medical Sănătatea")
DOCTORS = ("Dr. Popescu Ana", "Dr. Radu Mihai", "Dr. Ionescu Elena", "Dr. Matei Sorin", "Dr. Lupu Dan")
FIRMS = ("SC Exemplu SRL", "Tipografia Modernă SA", "Agromec Nord SRL", "Școala Gimnazială nr. 5",
         "Transport Rapid SRL", "Primăria Comunei Vlad")
COUNTIES = ("01", "04", "12", "22", "23", "40", "41", "42", "16", "35")
#: ink colours (RGB) on each copy: (printer, ballpoint, stamp)
PAPER = {"white": (250, 250, 248), "pink": (247, 222, 228), "green": (218, 238, 220)}
CARBON = (95, 75, 175)
STAMP = (80, 115, 235)


@dataclass
class Sample:
    """One synthetic page and how it was made."""

    image: np.ndarray  # RGB uint8
    record: Certificate
    hand: list[str]  # fields written by hand
    printed: list[str]  # fields typed by the printer
    meta: dict[str, Any]


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(0, len(seq)))]


def random_record(rng: np.random.Generator, template: Template) -> Certificate:
    """A random certificate that fits the template's boxes and passes the obvious checks."""
    start = date(2025, 1, 2) if template.validFrom is None or template.validFrom.year < 2025 else template.validFrom
    if template.name == "ccm-2022":
        start = date(2023, 1, 2)
    issue = start + timedelta(days=int(rng.integers(0, 600)))
    valid_from = issue + timedelta(days=int(rng.integers(-2, 3)))
    days = int(rng.integers(1, 31))
    valid_to = valid_from + timedelta(days=days - 1)
    indemn = [e.code for e in catalogs.catalog("indemnity").on(issue) if len(e.code) <= 2 and e.code.isdigit()]
    born = date(int(rng.integers(1950, 2005)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    female = bool(rng.random() < 0.5)
    data: dict[str, Any] = {
        "serialCode": "CCM" + "".join(_pick(rng, "ABCDEFGHIJKLMNOPRSTUVXYZ") for _ in range(2)),
        "serialNo": f"{int(rng.integers(0, 10_000_000)):07d}",
        "continuation": bool(rng.random() < 0.3),
        "month": valid_from.month, "year": valid_from.year,
        "indemnCode": _pick(rng, indemn),
        "insuredOrgUnit": _pick(rng, [e.code for e in catalogs.catalog("cas").on(issue)][:42]),
        "lastName": _pick(rng, LAST), "firstName": _pick(rng, FIRST),
        "pid": make_cnp(born, female, _pick(rng, COUNTIES), int(rng.integers(1, 999))),
        "address": f"{_pick(rng, TOWNS)}, {_pick(rng, STREETS)} nr. {int(rng.integers(1, 200))}",
        "regNo": str(int(rng.integers(1, 99999))),
        "certType": _pick(rng, ("AM", "AM", "IN", "EX")),
        "issueDate": issue, "days": days, "validFrom": valid_from, "validTo": valid_to,
        "diagCode": f"{int(rng.integers(1, 1000)):03d}", "diagType": _pick(rng, ("0", "1", "2")),
        "unitType": _pick(rng, UNITS), "conventionNo": str(int(rng.integers(100, 99999))),
        "conventionCas": _pick(rng, ("CAS-IS", "CAS-MB", "CAS-CJ", "CAS-TM")),
        "doctorName": _pick(rng, DOCTORS),
        "cui": make_cui(str(int(rng.integers(1000, 99_999_999)))),
        "stencil": _pick(rng, ("", "A", "B", "C")) + f"{int(rng.integers(10000, 99999))}",
    }
    if data["continuation"]:
        data["prevSerialCode"] = data["serialCode"]
        data["prevSerialNo"] = f"{int(rng.integers(0, 10_000_000)):07d}"
    if rng.random() < 0.25:
        data["emergency"] = _pick(rng, [e.code for e in catalogs.catalog("emergency").on(issue)])
    elif rng.random() < 0.15:
        data["contagious"] = _pick(rng, [e.code for e in catalogs.catalog("group_a").on(issue)])
    if rng.random() < 0.1:
        data["isEmergencyRecommendation"] = True
    if rng.random() < 0.15:
        child = date(int(rng.integers(2010, 2024)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        data["childPid"] = make_cnp(child, bool(rng.random() < 0.5), _pick(rng, COUNTIES), int(rng.integers(1, 999)))
    if data["certType"] != "AM":
        data["ward"] = _pick(rng, ("Medicină internă", "Chirurgie", "Cardiologie", "Pediatrie"))
    if data["certType"] == "EX":
        ed = int(rng.integers(1, 20))
        data.update(externDays=ed, externValidFrom=valid_to + timedelta(days=1),
                    externValidTo=valid_to + timedelta(days=ed), externDiagCode=data["diagCode"],
                    externDiagType=data["diagType"])
    if rng.random() < 0.35:
        data["cheifStencil"] = f"{int(rng.integers(100000, 999999))}"
    if rng.random() < 0.5:  # the payer's part
        percents = [o.value for o in template.field("paymentPercent").options]
        base = round(float(rng.uniform(2000, 40000)), 2)
        data.update(payerName=_pick(rng, FIRMS), payerAddress=f"{_pick(rng, TOWNS)}, {_pick(rng, STREETS)} nr. 3",
                    payerCui=make_cui(str(int(rng.integers(1000, 99_999_999)))),
                    employeeCount=int(rng.integers(1, 5000)),
                    insuredType=_pick(rng, [o.value for o in template.field("insuredType").options]),
                    paymentPercent=_pick(rng, percents), baseAmount=f"{base:.2f}",
                    baseDays=int(rng.integers(20, 130)), dailyAverage=f"{base / 90:.2f}",
                    indemnityAmount=f"{base / 90 * days * 0.75:.2f}",
                    employerDays=min(days, 5), fnuassDays=max(0, days - 5))
        if rng.random() < 0.2:
            data["prevention"] = True
    if rng.random() < 0.1:
        data.update(expertNo=str(int(rng.integers(1, 999999))), expertDate=valid_to,
                    expertName=_pick(rng, DOCTORS), expertStencil=f"{int(rng.integers(100000, 999999))}")
    return Certificate.model_validate(data)


def _rasterise(pdf: bytes, px_per_mm: float, template: Template) -> np.ndarray:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        scale = template.page[0] * px_per_mm / page.get_size()[0]
        img = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
    finally:
        doc.close()
    return img


def _stroke(mask: np.ndarray, pts: list[tuple[float, float]], px: float, width_mm: float) -> None:
    p = np.int32([[int(x * px), int(y * px)] for x, y in pts])
    cv2.polylines(mask, [p], False, 1.0, max(1, int(round(width_mm * px))), cv2.LINE_AA)


def _hand_layer(record: Certificate, template: Template, fields: list[str], font: str,
                px: float, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Ink (0-1) of the hand-printed fields: characters in boxes, X marks, struck words."""
    mask = np.zeros(shape, np.float32)
    for name in fields:
        spec = template.field(name)
        value = to_form(record, spec)
        if value is None:
            continue
        if spec.kind == "boxes":
            text = str(value)
            cells = spec.cell_rects()
            start = {"right": len(cells) - len(text), "center": (len(cells) - len(text)) // 2}.get(spec.align, 0)
            for cell, ch in zip(cells[start:], text):
                if ch == " ":
                    continue
                g = fonts.distort_glyph(fonts.glyph_mask(ch, font, 64), rng, angle=6.0, shear=0.15, stroke=1)
                gh = max(4, int(cell.h * px * rng.uniform(0.55, 0.78)))
                gw = max(2, int(g.shape[1] * gh / g.shape[0]))
                gw = min(gw, int(cell.w * px * 0.9))
                g = cv2.resize(g, (gw, gh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
                cx = (cell.x + cell.w / 2) * px + rng.normal(0, cell.w * px * 0.06)
                cy = (cell.y + cell.h / 2) * px + rng.normal(0, cell.h * px * 0.06)
                x0, y0 = int(cx - gw / 2), int(cy - gh / 2)
                region = mask[y0:y0 + gh, x0:x0 + gw]
                np.maximum(region, g[:region.shape[0], :region.shape[1]], out=region)
        elif spec.kind in ("checkbox", "choice"):
            opt = next(o for o in spec.options if type(o.value) is type(value) and o.value == value)
            j = lambda: float(rng.normal(0, 0.3))  # noqa: E731
            if spec.mark == "strike":
                y = opt.y + opt.h / 2
                _stroke(mask, [(opt.x + j(), y + j()), (opt.x + opt.w + j(), y + j())], px, 0.4)
            elif rng.random() < 0.7:
                _stroke(mask, [(opt.x + 0.8 + j(), opt.y + 0.8 + j()), (opt.x + opt.w - 0.8 + j(), opt.y + opt.h - 0.8 + j())], px, 0.4)
                _stroke(mask, [(opt.x + 0.8 + j(), opt.y + opt.h - 0.8 + j()), (opt.x + opt.w - 0.8 + j(), opt.y + 0.8 + j())], px, 0.4)
            else:  # a tick
                _stroke(mask, [(opt.x + 0.9 + j(), opt.y + opt.h * 0.55 + j()), (opt.x + opt.w * 0.42, opt.y + opt.h - 0.8 + j()),
                               (opt.x + opt.w - 0.6 + j(), opt.y + 0.6 + j())], px, 0.45)
    return mask


def _stamp(shape: tuple[int, int], template: Template, px: float, rng: np.random.Generator) -> np.ndarray:
    """Round stamps (0-1) over the template's stamp areas, sometimes overlapping the boxes."""
    mask = np.zeros(shape, np.uint8)
    for area in template.drawing.stamps:
        if rng.random() < 0.3:
            continue
        cx = (area.x + area.w * rng.uniform(0.3, 0.7)) * px
        cy = (area.y + area.h * rng.uniform(0.2, 0.8)) * px
        r = rng.uniform(12, 17) * px
        c = (int(cx), int(cy))
        cv2.circle(mask, c, int(r), 255, max(1, int(0.5 * px)), cv2.LINE_AA)
        cv2.circle(mask, c, int(r * 0.72), 255, max(1, int(0.3 * px)), cv2.LINE_AA)
        for k in range(18):  # the lettering around the ring
            a = 2 * np.pi * k / 18 + rng.uniform(0, 0.2)
            p = (int(cx + 0.86 * r * np.cos(a)), int(cy + 0.86 * r * np.sin(a)))
            cv2.putText(mask, _pick(rng, "ABCDEFGHIJKLMNOPRSTU"), p, cv2.FONT_HERSHEY_SIMPLEX,
                        0.09 * px, 255, max(1, int(0.25 * px)), cv2.LINE_AA)
        cv2.putText(mask, "PARAFA", (int(cx - r * 0.5), int(cy)), cv2.FONT_HERSHEY_SIMPLEX, 0.12 * px, 255,
                    max(1, int(0.3 * px)), cv2.LINE_AA)
    return mask.astype(np.float32) / 255


def _distort(img: np.ndarray, rng: np.random.Generator, meta: dict[str, Any], turn: int | None) -> np.ndarray:
    h, w = img.shape[:2]
    phone = bool(rng.random() < 0.15)
    drawn = int(_pick(rng, (0, 0, 0, 0, 0, 180, 180, 90, 270)))
    turn = drawn if turn is None else turn
    angle = float(rng.normal(0, 3.0))
    angle = float(np.clip(angle, -10, 10))
    scale = float(rng.uniform(0.9, 1.1))
    meta.update(turn=turn, angle=round(angle, 2), scale=round(scale, 3), phone=phone)
    pad = int(0.06 * max(h, w))
    bg = (70, 62, 55) if phone else (238, 238, 236)
    big = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=bg)
    H, W = big.shape[:2]
    src = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    c = np.float32([W / 2, H / 2])
    m = cv2.getRotationMatrix2D((W / 2, H / 2), angle, scale)
    dst = cv2.transform(src.reshape(-1, 1, 2), m).reshape(-1, 2)
    dst += rng.normal(0, 0.01 * w, 2).astype(np.float32)  # translation
    if phone:
        dst += rng.uniform(-0.035, 0.035, (4, 2)).astype(np.float32) * np.float32([w, h])
    out = cv2.warpPerspective(big, cv2.getPerspectiveTransform(src, dst), (W, H), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=bg)
    if turn:
        out = np.ascontiguousarray(np.rot90(out, k={90: 1, 180: 2, 270: 3}[turn]))
    hh, ww = out.shape[:2]
    yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
    gx, gy = rng.uniform(-1, 1, 2)
    light = 1.0 - rng.uniform(0.0, 0.28 if phone else 0.12) * (0.5 + 0.5 * (gx * (xx / ww - 0.5) + gy * (yy / hh - 0.5)) * 2)
    out = out.astype(np.float32) * np.clip(light, 0.5, 1.0)[..., None]
    sigma = float(rng.uniform(0.0, 1.2))
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    out += rng.normal(0, rng.uniform(1.0, 6.0), out.shape).astype(np.float32)
    meta.update(blur=round(sigma, 2))
    return np.clip(out, 0, 255).astype(np.uint8)


def make_sample(rng: np.random.Generator, template: Template, px_per_mm: float | None = None,
                mode: str | None = None, copy: str | None = None, turn: int | None = None) -> Sample:
    """One synthetic scan of a random certificate; mode (printed/hand/mixed), copy (white/pink/green)
    and turn (0/90/180/270) are drawn at random unless given."""
    from formproc.render.blank import render_blank
    from formproc.render.printing import render_records

    record = random_record(rng, template)
    px = px_per_mm or float(_pick(rng, (150, 200, 200, 300))) / 25.4
    filled = [f.name for f in template.fields if not f.preprinted and to_form(record, f) is not None]
    mode = mode or _pick(rng, ("printed", "hand", "mixed"))
    hand_kinds = {"printed": (), "hand": ("boxes", "checkbox", "choice"), "mixed": ("checkbox", "choice")}[mode]
    hand = [n for n in filled if template.field(n).kind in hand_kinds]
    if mode == "mixed":  # the payer fills their part by hand
        hand += [n for n in filled if template.field(n).kind == "boxes" and field_item(n) == "Art. 12"]
    printed = [n for n in filled if n not in hand]
    copy = copy or _pick(rng, ("white", "white", "pink", "green"))
    hand_font = _pick(rng, fonts.available(fonts.HAND_FONTS))
    meta: dict[str, Any] = {"mode": mode, "copy": copy, "font": Path(hand_font).name, "dpi": round(px * 25.4)}

    blank = _rasterise(render_blank(template, record), px, template).astype(np.float32) / 255
    typed = record.model_copy(update={n: None for n in hand})
    if printed:
        ink_p = 1.0 - _rasterise(render_records([typed], template), px, template)[:, :, 0].astype(np.float32) / 255
    else:
        ink_p = np.zeros(blank.shape[:2], np.float32)
    ink_h = _hand_layer(record, template, hand, hand_font, px, blank.shape[:2], rng)
    stamps = _stamp(blank.shape[:2], template, px, rng)

    paper = np.float32(PAPER[copy]) / 255
    page = blank * paper  # the form is printed on every sheet
    carbon = copy != "white"
    strength = float(rng.uniform(0.45, 0.75)) if carbon else 1.0
    for ink, colour in ((ink_p, CARBON if carbon else (25, 25, 30)), (ink_h, CARBON if carbon else (35, 55, 165))):
        if carbon:
            ink = cv2.GaussianBlur(ink, (0, 0), 0.8)
        a = (ink * strength)[..., None]
        page = page * (1 - a) + (np.float32(colour) / 255) * a * paper
    # stamp-pad ink: a lighter, more saturated blue than ballpoint (it barely darkens the blue channel)
    a = (stamps * rng.uniform(0.35, 0.55))[..., None]
    page = page * (1 - a) + (np.float32(STAMP) / 255) * a * page
    img = _distort(np.clip(page * 255, 0, 255).astype(np.uint8), rng, meta, turn)
    return Sample(img, record, hand, printed, meta)


def write_one(template: Template, seed: int, index: int, out_dir: Path) -> dict[str, Any]:
    """Sample number `index` (1-based) of a seed: the same seed and index give the same page."""
    rng = np.random.default_rng([seed, index])
    s = make_sample(rng, template)
    jpeg = bool(rng.random() < 0.5)
    name = f"{index:04d}.{'jpg' if jpeg else 'png'}"
    bgr = cv2.cvtColor(s.image, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 93))] if jpeg else [cv2.IMWRITE_PNG_COMPRESSION, 1]
    ok, data = cv2.imencode(".jpg" if jpeg else ".png", bgr, params)
    write_atomic(out_dir / name, data.tobytes())
    entry = {"image": name, "template": template.name, "record": s.record.to_json_dict(),
             "hand": s.hand, "printed": s.printed, **s.meta}
    write_atomic(out_dir / f"{index:04d}.json", json.dumps(entry, ensure_ascii=False, indent=1) + "\n")
    return entry


def write_samples(template_name: str, count: int, seed: int, out_dir: str | Path) -> list[dict[str, Any]]:
    """Write `count` samples and their truth to `out_dir`; returns the truth entries."""
    template = load_template(template_name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    truth = [write_one(template, seed, i + 1, out) for i in range(count)]
    write_atomic(out / "truth.jsonl", "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in truth))
    return truth
