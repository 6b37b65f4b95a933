"""Romanian words, as tesseract's own `ron` model knows them: its word list (about 185,000 words,
place and person names included) is unpacked from the installed traineddata with the tools that
come with tesseract (`combine_tessdata`, `dawg2wordlist`), once per process. A printed word that
is not among them was misread more often than not; the words near it are what printfit tries."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

LANG = "ron"
#: cedilla forms some word lists carry, and the comma-below letters formproc prints
COMMA_BELOW = str.maketrans("şŞţŢ", "șȘțȚ")
_COMMAS_OFF = str.maketrans("șțȘȚ", "stST")
LETTERS = re.compile(r"^[^\W\d_]+$")
MIN_LETTERS = 3  # shorter words are left alone: too many words lie near them
NEAR_LIMIT = 40  # words near a misread one tried at most
#: the forms of business and medical practice written in capitals in employers' and units' names
#: (Legea 31/1990, OUG 44/2008, OG 124/1998), which the model's word list lacks
ACRONYMS = frozenset({"SA", "SC", "SCA", "SCS", "SNC", "SRL", "PFA", "II", "IF", "RA", "CMI", "SCM"})
#: the abbreviations a name follows: a person's (Dr. Popescu), a street's, a county's or a town's
NAME_TITLES = ("Dr", "Prof", "Ing", "Str", "Bd", "Bdul", "Șos", "Spl", "Intr", "Jud", "Mun", "Com")
#: those of them a person's name follows
PERSON_TITLES = ("Dr", "Prof", "Ing")
#: the abbreviations written with a full stop in names and addresses (a doctor's title, the parts of
#: a Romanian address), as they are spelled; a short word before a full stop is most often one
ABBREVIATIONS = frozenset(NAME_TITLES) | {"Nr", "nr", "Bl", "bl", "Sc", "sc", "Et", "et", "Ap", "ap", "jud", "Sect"}
#: a word: a run of letters
WORD = re.compile(r"[^\W\d_]+")
_AFTER_TITLE = re.compile(r"\b((?:" + "|".join(NAME_TITLES) + r")\.\s+)([^\W\d_])")


def _tessdata() -> Path | None:
    """The folder holding the installed tesseract models."""
    if os.environ.get("TESSDATA_PREFIX"):
        return Path(os.environ["TESSDATA_PREFIX"])
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'"(.+?)"', out)
    return Path(found.group(1)) if found else None


def _case(word: str) -> str:
    return "upper" if word.isupper() else "title" if word[:1].isupper() else "lower"


@lru_cache(maxsize=1)
def _listing() -> str:
    """The model's word list, one per line ("" when tesseract's tools or the model are missing:
    the check is then skipped, nothing else changes)."""
    folder = _tessdata()
    model = folder / f"{LANG}.traineddata" if folder else None
    if model is None or not model.is_file():
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        dawg, charset, listing = (Path(tmp) / f"{LANG}.lstm-word-dawg", Path(tmp) / f"{LANG}.lstm-unicharset",
                                  Path(tmp) / "words.txt")
        try:
            subprocess.run(["combine_tessdata", "-e", str(model), str(dawg), str(charset)],
                           capture_output=True, timeout=60, check=True)
            subprocess.run(["dawg2wordlist", str(charset), str(dawg), str(listing)],
                           capture_output=True, timeout=60, check=True)
            return listing.read_text(encoding="utf-8")
        except (OSError, subprocess.SubprocessError):
            return ""


@lru_cache(maxsize=1)
def words() -> dict[tuple[str, int], list[str]]:
    """The model's words (comma-below spellings) by capitalisation and length."""
    out: dict[tuple[str, int], set[str]] = {}
    for word in _listing().translate(COMMA_BELOW).split():
        if LETTERS.match(word):
            out.setdefault((_case(word), len(word)), set()).add(word)
    return {key: sorted(ws) for key, ws in out.items()}


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(w for ws in words().values() for w in ws)


def known(word: str) -> bool:
    """Whether a word (letters only) is one of the model's, as written or in lower case (ş and ţ
    taken for ș and ț), or one of the ACRONYMS or ABBREVIATIONS."""
    word = word.translate(COMMA_BELOW)
    return word in ACRONYMS or word in ABBREVIATIONS or word in _known() or word.lower() in _known()


def near(word: str) -> list[str]:
    """Known words one or two edits from a word that is not known (letters only, at least
    MIN_LETTERS; three edits for long words), in its capitalisation: the spellings a misreading
    may have come from. Words in capitals are left alone: acronyms (CMI, SRL) few lists hold."""
    if len(word) < MIN_LETTERS or not LETTERS.match(word) or word.isupper() or known(word):
        return []
    return _near(word, _case(word))


def _near(word: str, case: str, limit: int | None = NEAR_LIMIT) -> list[str]:
    """The model's words in `case` one or two edits from `word` (three for long words), the
    nearest `limit` of them (None: all)."""
    table = words()
    most = 2 if len(word) < 8 else 3
    pool = [w for n in range(len(word) - most, len(word) + most + 1) for w in table.get((case, n), [])]
    found = process.extract(word, pool, scorer=Levenshtein.distance, score_cutoff=most, limit=limit)
    return [w for w, _, _ in found]


def names_near(word: str) -> list[str]:
    """The names (the model's capitalised words) near a capitalised word read where a person's name
    stands (after Dr.) that the model knows only in lower case, as "Miei" read for Matei (all of
    them: a name two edits away is as likely as one an edit away); none for a word it knows
    capitalised."""
    if len(word) < MIN_LETTERS or not LETTERS.match(word) or _case(word) != "title" \
            or word.translate(COMMA_BELOW) in _known():
        return []
    return _near(word, "title", None)


def spellings(word: str) -> list[str]:
    """The known words a hand-read word that is not known may have been (`near`), a word that
    begins a name or a line also among the list's lower-case words, written with its capital; for a
    word in capitals of two letters or more (not one of them), the ACRONYMS an edit from it."""
    if word.isupper():
        return [] if word in ACRONYMS or len(word) < 2 else _one_edit(word, ACRONYMS)
    if known(word):
        return []
    close = set(near(word))
    if _case(word) == "title":
        close |= {w[:1].upper() + w[1:] for w in near(word.lower())}
    return sorted(close)


def splits(word: str) -> list[str]:
    """A word that is not known read as two known words of two letters or more, the space between
    them lost ("Marenr" for "Mare nr"): each such pair, a space between."""
    if len(word) < 4 or not LETTERS.match(word) or known(word):
        return []
    return [f"{word[:i]} {word[i:]}" for i in range(2, len(word) - 1) if known(word[:i]) and known(word[i:])]


@lru_cache(maxsize=1)
def _compounds() -> frozenset[str]:
    """The model's hyphenated words of two parts of MIN_LETTERS letters or more (Cluj-Napoca,
    nord-vest), comma-below spellings."""
    pattern = re.compile(r"^[^\W\d_]{%d,}-[^\W\d_]{%d,}$" % (MIN_LETTERS, MIN_LETTERS))
    return frozenset(w for w in _listing().translate(COMMA_BELOW).split() if pattern.match(w))


def hyphenated(first: str, second: str) -> str | None:
    """Two words read apart that the model knows as one hyphenated word ("Cluj Napoca" for
    Cluj-Napoca, its hyphen lost or read as a space): that word, else None."""
    joined = f"{first}-{second}".translate(COMMA_BELOW)
    return joined if joined in _compounds() else None


def unhyphenated(first: str, second: str) -> str | None:
    """Two known words read joined by a hyphen that the model knows no such word for
    ("Trandafirilor-nr" for "Trandafirilor nr", a space read as a hyphen): the two words a space
    apart, else None."""
    if hyphenated(first, second) or not (known(first) and known(second)):
        return None
    return f"{first} {second}"


def abbreviations(word: str) -> list[str]:
    """The ABBREVIATIONS a word written before a full stop may have been: those an edit from it
    ("Di." for "Dr.", "or." for "nr."), whether or not the word is known; none for one of them or for
    a single letter (an initial)."""
    return [] if word in ABBREVIATIONS or len(word) < 2 else _one_edit(word, ABBREVIATIONS)


def _one_edit(word: str, pool: Iterable[str]) -> list[str]:
    """The words of `pool` one edit from `word`, sorted."""
    return sorted(w for w in pool if Levenshtein.distance(w, word) == 1)


def respell(word: str) -> str:
    """A hand-read word that is not known, as the one known word a single edit away from it
    (else as read: with two or more such words, the reading does not say which was written)."""
    close = _one_edit(word, spellings(word))
    return close[0] if len(close) == 1 else word


def names_capitalised(text: str) -> str:
    """A reading with the word after each of the NAME_TITLES begun with a capital (Dr. popescu →
    Dr. Popescu): a name follows them."""
    return _AFTER_TITLE.sub(lambda m: m.group(1) + m.group(2).upper(), text)


@lru_cache(maxsize=1)
def _comma_spellings() -> dict[str, frozenset[str]]:
    """The known words with a comma below (ș, ț), by their spelling without the commas."""
    out: dict[str, set[str]] = {}
    for word in _known():
        bare = word.translate(_COMMAS_OFF)
        if bare != word:
            out.setdefault(bare, set()).add(word)
    return {bare: frozenset(ws) for bare, ws in out.items()}


def with_commas(word: str) -> str:
    """A hand-read word with no ș or ț, as the one known word that differs from it only by commas
    below (Bucuresti → București, Stefan → Ștefan): the commas are the marks a reading loses
    first, and Romanian writes them. Left as read when no such word or several are known, and
    for words in capitals (acronyms)."""
    if word.isupper() or any(ch in word for ch in "șțȘȚşţŞŢ"):
        return word
    found = _comma_spellings().get(word, frozenset())
    return next(iter(found)) if len(found) == 1 else word
