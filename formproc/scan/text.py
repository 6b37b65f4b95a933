"""Text lines: tesseract (`ron`) on each text field, taken again from the original scan at about
300 dpi, then per-field corrections and a calibrated confidence.

- Every line is warped straight from the source image (not from the 8 px/mm registered page) at
  `TEXT_PX_PER_MM`, its ink measured on the red channel against the local paper, the preprinted
  marks of the blank and the field's dotted rule removed, stamp ink and the rosette gated out by
  colour, the rosette's fine lines opened away inside its zone (JPEG loses their colour), and
  only runs of writing kept (`writing_region`). All lines of a page go to one tesseract run,
  stacked with wide gaps (`--psm 6`); a line that run missed or doubted is read again on its own
  (`--psm 7`). tesseract works in the background (`TextLines`) while the page's boxes are read.
- CAS fields: the line is also matched against every CAS code rendered in the printer's font
  (formproc.scan.codes); a printed code is taken from the match, tesseract's reading cross-checks it.
- Corrections: a word-initial `l` before a lower-case letter where a capital is due is `I`
  (tesseract reads DejaVu Sans "Iași" as "lași"); digits-only fields (money, numbers) and house
  numbers map the usual letter look-alikes to digits; unpaired quotation marks and trailing
  commas (stamp edges) go; fields whose values come from a catalog (CAS codes) are matched to the
  catalog, one character off at most.
- Confidence: tesseract's word confidences are not probabilities; a line is as sure as its least
  sure word (words dropped as debris included), mapped so that a reading with a doubtful word
  stays under 0.5; an exact catalog match is what lifts it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2
import numpy as np

from formproc.scan.clean import CleanPage, red_print, writing_gate
from formproc.scan.codes import MATCH, CodeMatch, match_code
from formproc.scan.register import PX_PER_MM

TEXT_PX_PER_MM = 12.0  # about 300 dpi, tesseract's best size for 9-10 pt text
MARGIN_MM = 1.0  # the line is taken a little wider than its field
GAP = 30  # white pixels between stacked lines
MAX_RETRIES = 3  # lines of a page read again on their own when the stacked run missed or doubted them
DOUBTFUL = 70  # tesseract word confidence below which a line is read again on its own
OTSU_SURE = 50  # mean word confidence a line's reading binarised or smoothed after a failed one must reach
RULE_MM = 0.6  # how far outside a field its dotted rule may lie
WORD_MIN_MM = 1.0  # the least height (mm) of a run of writing: stamp and rosette specks are smaller
#: fields whose value is a code of the CAS catalog
CAS_FIELDS = ("insuredOrgUnit", "conventionCas", "casIssuer")
DIGIT_FIELDS = ("conventionNo",)
DOCTOR_FIELDS = ("doctorName", "expertName")
#: an abbreviation (street, boulevard, title, county, number, flat, block, entrance, floor) whose
#: full stop was lost or read as a comma, before a capitalised word or a number
_ABBREVIATION = re.compile(r"\b(Str|Bd|Dr|jud|nr|ap|bl|sc|et)[,]?(?= [A-ZĂÂÎȘȚ0-9])")
#: a doctor's title as tesseract misreads it (D as O, 0 or b), before a capitalised name
_DOCTOR_TITLE = re.compile(r"^(?:Dr|DR|dr|Or|OR|0r|br|Br)[.,:;]? ?(?=[A-ZĂÂÎȘȚ])")
_LOOKALIKE_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "i": "1",
                                   "|": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2",
                                   "G": "6", "b": "6", "g": "9", "q": "9", "T": "7", ".": ",", ";": ","})
_LOOKALIKE_CAPITALS = str.maketrans({"]": "J", ")": "J", "0": "O", "1": "I", "|": "I", "5": "S", "8": "B",
                                     "2": "Z", "$": "S"})
_MONEY = re.compile(r"^\d{1,3}(?:\.?\d{3})*(?:,\d{1,2})?$|^\d+(?:,\d{1,2})?$")
_WORD_START_L = re.compile(r"(^|[\s,.;:(\"-])l(?=[a-zăâîșțşţ])")
_SMALL_WORDS = {"la", "lui", "lângă", "langa"}
_NUMBERED = {"nr", "ap"}  # words a number follows (a short last word after them is no debris)
_LOWER_WORDS = {"jud", "județul", "judetul"}  # lower-case words of a capitalised line (addresses)


def _source_crop(page: CleanPage, x: float, y: float, w: float, h: float) -> np.ndarray:
    """RGB of a canonical-mm rectangle at TEXT_PX_PER_MM, warped from the original scan."""
    out_w, out_h = int(round(w * TEXT_PX_PER_MM)), int(round(h * TEXT_PX_PER_MM))
    k = PX_PER_MM / TEXT_PX_PER_MM
    to_canonical = np.array([[k, 0, x * PX_PER_MM], [0, k, y * PX_PER_MM], [0, 0, 1]], np.float64)
    if page.source is not None and page.to_canonical is not None:
        m = np.linalg.inv(page.to_canonical) @ to_canonical
        src = page.source
    else:
        m, src = to_canonical, page.rgb
    return cv2.warpPerspective(src, m, (out_w, out_h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


def _mask_crop(mask: np.ndarray, x: float, y: float, w: float, h: float, shape: tuple[int, int]) -> np.ndarray:
    """A canonical-pixel mask's mm rectangle at TEXT_PX_PER_MM."""
    k = PX_PER_MM / TEXT_PX_PER_MM
    m = np.float64([[k, 0, x * PX_PER_MM], [0, k, y * PX_PER_MM]])
    return cv2.warpAffine(mask.astype(np.uint8), m, (shape[1], shape[0]),
                          flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0


def _darkness(rgb: np.ndarray) -> np.ndarray:
    """Red-channel darkness (0-1) of the writing against the local paper, stamp and rosette gated out."""
    out = []
    for c in range(3):
        ch = rgb[:, :, c].astype(np.float32)
        bg = cv2.GaussianBlur(cv2.dilate(ch, cv2.getStructuringElement(cv2.MORPH_RECT, (31, 31))), (0, 0), 5)
        out.append(np.clip(1.0 - ch / np.maximum(bg, 1.0), 0.0, 1.0))
    return out[0] * writing_gate(*out)


def _rules(ink: np.ndarray) -> np.ndarray:
    """Thin long horizontal runs (dotted or solid rules of the form, even lighter than its mask)."""
    marks = (ink > 0.3).astype(np.uint8)
    joined = cv2.morphologyEx(marks, cv2.MORPH_CLOSE, np.ones((1, 9), np.uint8))
    # longer than a word (word gaps break the runs at the letters' feet), thin: the field's rule
    length = max(int(5 * TEXT_PX_PER_MM), int(0.45 * ink.shape[1]))
    runs = cv2.morphologyEx(joined, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    out = np.zeros(ink.shape, np.uint8)
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if h > 4:
            continue
        # a rule has paper on one side at least: where ink lies just above and just below the run,
        # it runs through a blurred line of writing (its letters' feet or tops), not along a rule
        above, below = marks[max(0, y - 5):max(0, y - 1), x:x + w], marks[y + h + 1:y + h + 5, x:x + w]
        inside = np.zeros(w, np.uint8)
        if above.size and below.size:
            inside = cv2.dilate((above.max(axis=0) & below.max(axis=0))[None, :], np.ones((1, 9), np.uint8))[0]
        run = labels[y:y + h, x:x + w] == i
        out[y:y + h, x:x + w][run & (inside[None, :] == 0)] = 1
    return cv2.dilate(out, np.ones((3, 1), np.uint8)) > 0


def writing_region(ink: np.ndarray) -> np.ndarray | None:
    """The line's ink kept only around runs of writing: strong strokes joined along the line whose
    height is a letter's, so that stamp and rosette specks beside the words do not reach
    tesseract (they become stray words and break the line's reading). None when no run is found."""
    strong = (ink > 0.5).astype(np.uint8)
    joined = cv2.dilate(strong, np.ones((3, 25), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    keep = np.zeros(ink.shape, bool)
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if h >= WORD_MIN_MM * TEXT_PX_PER_MM and int(strong[labels == i].sum()) >= 40:
            keep[max(0, y - 3):y + h + 3, max(0, x - 3):x + w + 3] = True
    return np.where(keep, ink, 0.0) if keep.any() else None


def line_image(spec, page: CleanPage) -> tuple[np.ndarray | None, float, np.ndarray | None]:
    """A text field's writing as black on white uint8 at TEXT_PX_PER_MM (None when no writing is
    found), the share of the field that ink covers (stamp or rosette traces included), and where
    the blank's own marks (the field's rule) were blanked: there the writing is unknown (None for
    the preprinted series)."""
    x, y, w, h = spec.x - MARGIN_MM, spec.y, spec.w + 2 * MARGIN_MM, spec.h
    rgb = _source_crop(page, x, y, w, h)
    blanked = None
    if getattr(spec, "preprinted", False):
        ink = red_print(rgb)
        ink = np.clip(ink / max(float(ink.max()), 0.2), 0, 1)
    else:
        d_r = _darkness(rgb)
        # the blank's marks, looked for a little above and below the line too: the field's dotted
        # rule (often just below it) is blanked in whole rows (±2 px), registration leaves dots
        e = int(round(RULE_MM * TEXT_PX_PER_MM))
        around = _mask_crop(page.form, x, y - RULE_MM, w, h + 2 * RULE_MM, (d_r.shape[0] + 2 * e, d_r.shape[1]))
        for r in np.flatnonzero(around.mean(axis=1) > 0.15):
            around[max(0, r - 2):r + 3] = True
        form = around[e:e + d_r.shape[0]]
        ink = np.clip(d_r / max(page.strength, 0.2), 0, 1)
        blanked = form | _rules(ink)
        ink[blanked] = 0.0
        if page.rosette is not None:  # its fine lines, where colour alone fails (JPEG), are opened away
            zone = _mask_crop(page.rosette, x, y, w, h, ink.shape)
            opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
            ink = np.where(zone, opened, ink)
    share = float((ink > 0.45).mean())
    if share < 0.003:
        return None, share, blanked
    if not getattr(spec, "preprinted", False):
        ink = writing_region(ink)
        if ink is None:
            return None, share, blanked
    # a soft threshold: stamp haze and paper texture go white, strokes keep their edges
    ink = np.clip((ink - 0.2) / 0.45, 0, 1)
    return (255 - ink * 255).astype(np.uint8), share, blanked


def _tesseract(img: np.ndarray, config: str) -> dict[str, list]:
    """tesseract's (`ron`) words and boxes for a grey image, handed to it uncompressed (PNM: no
    PNG to encode and decode)."""
    import pytesseract
    from PIL import Image

    sheet = Image.fromarray(img)
    sheet.format = "PPM"
    return pytesseract.image_to_data(sheet, lang="ron", config=config, output_type=pytesseract.Output.DICT)


def ocr_lines(images: list[tuple[str, np.ndarray]]) -> dict[str, tuple[str, list[float]]]:
    """One tesseract run over stacked line images: name -> (text, word confidences 0-100)."""
    width = max(img.shape[1] for _, img in images) + 2 * GAP
    bands, spans, top = [np.full((GAP, width), 255, np.uint8)], [], GAP
    for name, img in images:
        band = np.full((img.shape[0] + GAP, width), 255, np.uint8)
        band[:img.shape[0], GAP:GAP + img.shape[1]] = img
        bands.append(band)
        spans.append((name, top, top + img.shape[0]))
        top += band.shape[0]
    sheet = np.vstack(bands)
    data = _tesseract(sheet, "--psm 6 --oem 1 -c preserve_interword_spaces=1")
    words: dict[str, list[tuple[tuple, int, str, float]]] = {}
    for i, word in enumerate(data["text"]):
        word = word.strip()
        if not word:
            continue
        mid = data["top"][i] + data["height"][i] / 2
        for name, y0, y1 in spans:
            if y0 - 6 <= mid <= y1 + 6:
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                words.setdefault(name, []).append((key, data["left"][i], _letters(word), float(data["conf"][i])))
                break
    out = {}
    for name, items in words.items():
        items.sort(key=lambda t: (t[0], t[1]))
        kept = _trim(items)
        # a dropped word with letters may have been writing: it lowers the line's confidence too
        doubtful = [t for t in items if t not in kept and any(ch.isalnum() for ch in t[2])]
        if kept:
            out[name] = (" ".join(t[2] for t in kept), [max(0.0, t[3]) for t in kept + doubtful])
    return out


def ocr_line(img: np.ndarray) -> tuple[str, list[float]] | None:
    """One line on its own (`--psm 7`): for a line the stacked run returned nothing for."""
    padded = cv2.copyMakeBorder(img, GAP, GAP, GAP, GAP, cv2.BORDER_CONSTANT, value=255)
    data = _tesseract(padded, "--psm 7 --oem 1")
    items = [((0,), 0, _letters(w.strip()), float(c)) for w, c in zip(data["text"], data["conf"]) if w.strip()]
    kept = _trim(items)
    if not kept:
        return None
    return " ".join(t[2] for t in kept), [max(0.0, t[3]) for t in items if any(ch.isalnum() for ch in t[2])]


def _mean(confs: list[float]) -> float:
    return sum(confs) / len(confs) if confs else 0.0


def _letters(word: str) -> str:
    """Letters tesseract reads as signs, so that a word is not taken for debris: `$` is an S (or a
    5, see `_number`), `!` inside a word is l (I among capitals)."""
    word = re.sub(r"(?<=[A-ZĂÂÎȘȚ])!", "I", word.replace("$", "S"))
    return re.sub(r"(?<=\w)!", "l", word)


def _trim(items: list) -> list:
    """The words of a line without debris: no letters or digits anywhere, or doubtful short words
    at either end (stamp, rosette and box-line remnants lie beside the writing, not inside it)."""
    words = [t for t in items if any(ch.isalnum() for ch in t[2])]
    while words and not _word_kept(words[-1][2], words[-1][3]) and not (
            len(words) > 1 and words[-2][2].lower().rstrip(".") in _NUMBERED):
        words.pop()
    while words and not _word_kept(words[0][2], words[0][3]):
        words.pop(0)
    return words


def _word_kept(word: str, conf: float) -> bool:
    """Whether a word at the end of a line is writing, not debris of box lines, stamps or the rosette."""
    letters = sum(ch.isalnum() for ch in word)
    if letters == 0:
        return False
    if conf < 60 and (letters <= 2 and len(word) <= 3 or letters < len(word) / 2):
        return False
    return True


def _number(word: str) -> str:
    """A house or flat number: look-alike letters are digits when digits are most of it."""
    return word.translate(_LOOKALIKE_DIGITS) if 2 * sum(c.isdigit() for c in word) >= len(word) or len(word) == 1 \
        else word


def _punctuation(text: str) -> str:
    """The abbreviations of addresses and titles end with a full stop (`Str,` `Dr`, and `nc.`
    before a number is `nr.`); the number after nr./ap. has digits for look-alike letters; a full
    stop after a long word that is followed by a capitalised word is the comma of an address."""
    text = _ABBREVIATION.sub(r"\1.", re.sub(r"\bn[cetf]\.(?= ?\d)", "nr.", text))
    text = re.sub(r"\b(nr|ap)\. ?([^\s,;]+)", lambda m: f"{m[1]}. {_number(m[2])}", text)
    text = re.sub(r"\b([A-Za-z]{1,3})\.(?=\d)", r"\1. ", text)  # nr.3, ap.7
    text = re.sub(r",(?=[^\s\d])|(?<=\D),(?=\d)", ", ", text)  # 2,ap. / Iași,Str.
    return re.sub(r"(\b\w{4,})\.(?= [A-ZĂÂÎȘȚ])", r"\1,", text)


def _unquote(text: str) -> str:
    """Without an unpaired quotation mark at either end (a stamp's edge reads as one)."""
    quotes = "\"“”„'‘’«»"
    for _ in range(2):
        if text[:1] in quotes and not any(q in text[1:] for q in quotes):
            text = text[1:].lstrip()
        if text[-1:] in quotes and not any(q in text[:-1] for q in quotes):
            text = text[:-1].rstrip()
    return text


def _capital_i(text: str) -> str:
    """`l` at the start of a word that must start with a capital (first word, after punctuation,
    or in a line whose words are all capitalised) is a capital I; in such a line `j` is J (the two
    differ only in size in most fonts)."""
    words = text.split(" ")
    titled = sum(1 for w in words if w[:1].isupper()) >= max(1, (len(words) + 1) // 2)
    out = []
    for i, w in enumerate(words):
        first = i == 0 or out[-1][-1:] in ",.;:"
        lower_start = len(w) > 1 and w[1] in "abcdefghijklmnopqrstuvwxyzăâîșțşţ" and w.lower() not in _SMALL_WORDS
        if w.startswith("l") and lower_start and w[1] in "aeiouăâîșțşţ" and (first or titled):
            w = "I" + w[1:]
        elif w.startswith("j") and lower_start and titled and w.lower().rstrip(".,") not in _LOWER_WORDS:
            w = "J" + w[1:]
        elif w.startswith("i") and lower_start and first:
            w = "I" + w[1:]
        out.append(w)
    return " ".join(out)


def _cas_code(text: str, on) -> tuple[str | None, bool]:
    """The CAS catalog code a reading stands for (exact or one character off), and whether exact."""
    from formproc import catalogs

    t = text.upper().translate(str.maketrans({")": "J", "]": "J", "$": "S", "5": "S", "0": "O", "8": "B",
                                              "1": "I", "|": "I", "!": "I", ":": "-", ".": "-", "_": "-",
                                              "Ș": "S", "Ş": "S", "Ț": "T", "Ţ": "T", "Ă": "A", "Â": "A", "Î": "I"}))
    t = re.sub(r"[^A-Z0-9-]", "", t)
    if t.startswith("CAS") and not t.startswith("CAS-"):
        t = "CAS-" + t[3:]
    codes = [e.code for e in catalogs.catalog("cas").on(on)]
    if t in codes:
        return t, True
    close = [c for c in codes if _one_edit(c, t)]
    return (close[0], False) if len(close) == 1 else (None, False)


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by one substitution, insertion or deletion."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _printed_code(text: str, match: CodeMatch, on) -> tuple[str, float, list[str]]:
    """A CAS field whose line matches a printed code: the code, sure by its margin over the
    runner-up, surer when tesseract read the same code, unsure when it read another one."""
    read, exact = _cas_code(text, on) if text else (None, False)
    conf = min(0.99, 0.45 + 5 * match.margin)
    if read == match.code:
        return match.code, max(conf, 0.95 if exact else conf), []
    if exact:
        conf = min(conf, 0.45)
    return match.code, conf, ["matched"]


def correct(spec, text: str, confs: list[float], on,
            code: CodeMatch | None = None) -> tuple[str | None, float, list[str]]:
    """The field's value from its raw reading (and, for CAS fields, the printed `code` its line
    matches), its confidence and flags."""
    low = min(confs) if confs else 0.0
    # below 85 a word is wrong often enough; 96+ almost never on generated pages
    conf = float(np.clip((low - 60.0) / 40.0, 0.0, 1.0)) ** 2
    flags: list[str] = []
    if getattr(spec, "preprinted", False):  # the maker's red series (capitals) and number (digits)
        digits = spec.name.endswith("No")
        # a J's hook read as a bracket of its own beside it
        fixed = text if digits else re.sub(r"[)\]](?=J)|(?<=J)[)\]]", "", text)
        fixed = fixed.replace(" ", "").translate(_LOOKALIKE_DIGITS if digits else _LOOKALIKE_CAPITALS)
        ok = fixed.isdigit() if digits else fixed.isalpha() and fixed.isupper()
        return (fixed, conf, [] if fixed == text else ["corrected"]) if ok else (text, min(conf, 0.2), ["invalid"])
    if spec.name in CAS_FIELDS:
        if code is not None and code.score >= MATCH:
            return _printed_code(text, code, on)
        found, exact = _cas_code(text, on)
        if found is None:  # no CAS code: nothing is taken as the value (the reading stays in raw)
            return None, 0.0, ["invalid"]
        return found, (max(conf, 0.9) if exact else min(0.45, max(conf, 0.3))), ([] if exact else ["corrected"])
    if getattr(spec, "format", None) == "money" or spec.name in DIGIT_FIELDS:
        digits = text.replace(" ", "")
        if spec.name in DIGIT_FIELDS:  # a number has no comma: words after one are specks
            digits = text.split(",")[0].replace(" ", "") if re.search(r"\d\s*,\s*\D", text) else digits
            digits = digits.strip(".,;:'")
        digits = digits.translate(_LOOKALIKE_DIGITS)
        if digits != text.replace(" ", ""):
            flags.append("corrected")
            conf = min(conf, 0.45)
        ok = _MONEY.match(digits) if getattr(spec, "format", None) == "money" else digits.isdigit()
        if not ok:
            return text, min(conf, 0.2), ["invalid"]
        return digits, conf, flags
    fixed = _capital_i(_punctuation(_unquote(text))).strip(",;:-– ")  # no line begins or ends with these
    if spec.name in DOCTOR_FIELDS:
        fixed = _DOCTOR_TITLE.sub("Dr. ", fixed)
    if fixed != text:
        flags.append("corrected")
    return fixed, conf, flags


def _read_missed(img: np.ndarray) -> tuple[str, list[float]] | None:
    """A line the stacked run read nothing of, read on its own; then black and white (Otsu: a grey
    haze over the whole line, carbon or JPEG, can make tesseract's own threshold take it for one
    dark patch) and with its speckle smoothed (median). Specks read so are unsure: such a reading
    is kept only when tesseract is sure enough of it."""
    line = ocr_line(img)
    if line is not None:
        return line
    for other in (cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1], cv2.medianBlur(img, 3)):
        line = ocr_line(other)
        if line is not None and _mean(line[1]) >= OTSU_SURE:
            return line
    return None


class TextLines:
    """A page's text lines read by tesseract, which works in processes of its own: the line images
    are made at once, entering the context starts tesseract on them in the background (the caller
    works meanwhile), `result()` matches the CAS codes and collects tesseract's readings."""

    def __init__(self, specs: list, page: CleanPage, font: str) -> None:
        self.font = font
        self.images: list[tuple[str, np.ndarray]] = []
        self.coded: list[tuple[Any, np.ndarray]] = []
        self.out: dict[str, dict[str, Any]] = {}
        for s in specs:
            img, share, blanked = line_image(s, page)
            self.out[s.name] = {"raw": "", "confs": [], "ink": share, "code": None}
            if img is not None:
                self.images.append((s.name, img))
                ink = (255.0 - img.astype(np.float32)) / 255.0
                if s.name in CAS_FIELDS:
                    self.coded.append((s, ink))
                elif not getattr(s, "preprinted", False):  # kept for putting a printed reading to the test
                    self.out[s.name]["line"], self.out[s.name]["blanked"] = ink, blanked

    def __enter__(self) -> "TextLines":
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.reading = self.pool.submit(self._read) if self.images else None
        return self

    def __exit__(self, *exc: Any) -> None:
        self.pool.shutdown()

    def _read(self) -> dict[str, tuple[str, list[float]]]:
        """tesseract's lines: the stacked run, then, side by side, the lines it missed or doubted
        read on their own (a missed line's reading kept if any, a doubted line's if surer)."""
        read = ocr_lines(self.images)
        missed = [(name, img) for name, img in self.images
                  if name not in read and self.out[name]["ink"] > 0.01][:MAX_RETRIES]
        doubtful = [(name, img) for name, img in self.images
                    if name in read and min(read[name][1], default=0.0) < DOUBTFUL][:MAX_RETRIES]
        with ThreadPoolExecutor(max_workers=2) as pool:
            again = {name: pool.submit(_read_missed, img) for name, img in missed}
            alone = {name: pool.submit(ocr_line, img) for name, img in doubtful}
        for name, future in again.items():
            line = future.result()
            if line is not None:
                read[name] = line
        for name, future in alone.items():
            line = future.result()
            if line is not None and _mean(line[1]) > _mean(read[name][1]):
                read[name] = line
        return read

    def result(self) -> dict[str, dict[str, Any]]:
        """Every text field: name -> {raw, confs, ink, code} (fields without writing: raw ''); `code`
        is the CAS code whose rendering in the printer's font matches the line best; a line whose
        reading the printer's rendering can test (formproc.scan.printfit) also has its `line` image
        (float 0-1 ink at TEXT_PX_PER_MM) and the pixels `blanked` there (the form's rule)."""
        from formproc import catalogs

        if self.reading is None:
            return self.out
        cas = list(dict.fromkeys(e.code for e in catalogs.catalog("cas").entries))
        for s, ink in self.coded:
            self.out[s.name]["code"] = match_code(ink, cas, self.font, s.size or 9, TEXT_PX_PER_MM)
        for name, (text, confs) in self.reading.result().items():
            self.out[name]["raw"], self.out[name]["confs"] = text, confs
        return self.out
