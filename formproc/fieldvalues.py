"""The one place that converts record values to form text and back.

`to_form(record, field)` gives what goes into a template field: the characters of a `boxes`/`text`
field, or the option value ticked for a `checkbox`/`choice` field. `from_form(field, value)` turns
what was read from the form back into the record value. Printing, scanning and sample generation
all go through these functions, so a printed record read back is the same record.

Conventions (template `format`):
- `DDMMYY` dates: day, month, two-digit year; read back as 20YY.
- `MM` month, two digits; `YY` year, last two digits (the form prints "20"); `NN` a code padded
  with zeros to the number of boxes (indemnity code "01").
- `int`: a whole number; `money`: lei with a decimal comma and two decimals ("1234,56").
- `upper`: capitals (names, codes); every text gets Romanian comma-below ș/ț (not cedilla ş/ţ).
- Options: the ticked box's `value` (or one listed in its `also`, e.g. certType EX ticks the
  "internat" strike like IN).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Union

from formproc.errors import InputError
from formproc.layout import FieldSpec, Template
from formproc.model import Certificate

OptionValue = Union[bool, int, str]
FormValue = Union[str, bool, int, None]

MONTHS = ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
          "septembrie", "octombrie", "noiembrie", "decembrie")
_UNITS = ("zero", "unu", "doi", "trei", "patru", "cinci", "șase", "șapte", "opt", "nouă")
_TEENS = ("zece", "unsprezece", "doisprezece", "treisprezece", "paisprezece", "cincisprezece",
          "șaisprezece", "șaptesprezece", "optsprezece", "nouăsprezece")
_TENS = {2: "douăzeci", 3: "treizeci", 4: "patruzeci", 5: "cincizeci", 6: "șaizeci",
         7: "șaptezeci", 8: "optzeci", 9: "nouăzeci"}
_CEDILLA = str.maketrans("şţŞŢ", "șțȘȚ")
_EXTERN_ROW = ("externDays", "externValidFrom", "externValidTo", "externDiagCode", "externDiagType")


def normalize_text(text: str) -> str:
    """Romanian comma-below ș/ț instead of the cedilla forms; surrounding blanks removed."""
    return text.translate(_CEDILLA).strip()


def number_words(n: int) -> str:
    """A number 0-99 in Romanian words ("unu", "cincisprezece", "cincizeci și unu")."""
    if not 0 <= n <= 99:
        raise InputError(f"{n}: only 0-99 can be written in words here")
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return _TENS[tens] + ("" if unit == 0 else " și " + _UNITS[unit])


def _text(field: FieldSpec, value: Any) -> str:
    fmt = field.format
    if fmt == "DDMMYY":
        return value.strftime("%d%m%y")
    if fmt == "MM":
        return f"{int(value):02d}"
    if fmt == "YY":
        return f"{int(value) % 100:02d}"
    if fmt == "NN":
        text = normalize_text(str(value))
        return text.zfill(field.cells or 0) if text.isdigit() else text.upper()
    if fmt == "money":
        return f"{Decimal(value):.2f}".replace(".", ",")
    if isinstance(value, bool):
        raise InputError(f"{field.name}: a yes/no value cannot go into a {field.kind} field")
    text = normalize_text(str(value))
    return text.upper() if fmt == "upper" else text


def to_form(record: Certificate, field: FieldSpec) -> FormValue:
    """What `field` shows for `record`: its text, the ticked option's value, or None (left empty).

    Refuses (InputError naming the field) a value that has no place on this form: longer than
    its boxes, or without a box among the options."""
    value = getattr(record, field.name)
    if value is None:
        return None
    if field.kind in ("checkbox", "choice"):
        opt = field.option_for(value)
        if opt is not None:
            return opt.value
        if field.kind == "checkbox" and value is False:
            return None
        choices = ", ".join(str(o.value) for o in field.options)
        raise InputError(f"{field.name}: value {_show(value)} has no box on this form (boxes: {choices})")
    text = _text(field, value)
    if not text:
        return None
    if field.kind == "boxes" and len(text) > (field.cells or 0):
        raise InputError(f"{field.name}: '{text}' has {len(text)} characters, the form has {field.cells} boxes")
    return text


def _show(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def spelled(record: Certificate, field: FieldSpec) -> str | None:
    """The words written beside a boxed value (month name, indemnity code in letters), if any."""
    value = getattr(record, field.name)
    if field.spelled is None or value is None:
        return None
    number = int(value) if str(value).isdigit() else None
    if number is None:
        return None
    if field.spelled.format == "month-name":
        return MONTHS[number - 1] if 1 <= number <= 12 else None
    return number_words(number) if number <= 99 else None


def from_form(field: FieldSpec, value: FormValue) -> Any:
    """The record value for what was read from `field` (text, or the ticked option's value).

    Empty text or no ticked option gives None. Unreadable text is an InputError naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if field.kind in ("checkbox", "choice"):
        for opt in field.options:
            if type(opt.value) is type(value) and opt.value == value:
                return opt.value
        raise InputError(f"{field.name}: {_show(value)} is not one of the boxes of this field")
    text = normalize_text(str(value))
    fmt = field.format
    try:
        if fmt == "DDMMYY":
            digits = re.sub(r"\D", "", text)
            if len(digits) != 6:
                raise ValueError
            return date(2000 + int(digits[4:]), int(digits[2:4]), int(digits[:2]))
        if fmt == "MM":
            month = int(text)
            if not 1 <= month <= 12:
                raise ValueError
            return month
        if fmt == "YY":
            return 2000 + int(text)
        if fmt == "int":
            return int(text.replace(" ", ""))
        if fmt == "money":
            amount = text.replace(" ", "")
            if "," in amount:
                amount = amount.replace(".", "").replace(",", ".")
            return Decimal(amount).quantize(Decimal("0.01"))
    except (ValueError, InvalidOperation):
        raise InputError(f"{field.name}: '{text}' cannot be read as {fmt}") from None
    if fmt == "upper":
        return text.upper()
    return text


def form_values(record: Certificate, template: Template) -> dict[str, FormValue]:
    """to_form for every field of the template that the record fills (empty ones left out)."""
    out: dict[str, FormValue] = {}
    for field in template.fields:
        value = to_form(record, field)
        if value is not None:
            out[field.name] = value
    return out


def record_from_form(template: Template, values: dict[str, FormValue]) -> dict[str, Any]:
    """Record data (JSON-ready for Certificate) from the values read off a form, by field name.

    A struck "Ambulator" reads as IN, or EX when the discharge row ("Concediu medical la
    externare") is filled: the form has no separate box for EX."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        result = from_form(template.field(name), value)
        if result is not None:
            data[name] = result
    if data.get("certType") == "IN" and any(name in data for name in _EXTERN_ROW):
        data["certType"] = "EX"
    return data
