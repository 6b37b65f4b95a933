"""The reporting provider (PROVIDER.json) and the report month argument."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from formproc.errors import InputError
from formproc.files import json_problem, read_text

_REQUIRED = ("providerCode", "providerName", "insuranceHouse", "conventionNo")
_OPTIONAL = ("workPlace", "AppKey", "cui")


@dataclass(frozen=True)
class Provider:
    """The medical provider that reports: identity, CAS and convention, optional work place."""

    providerCode: str
    providerName: str
    insuranceHouse: str
    conventionNo: str
    workPlace: str | None = None
    AppKey: str | None = None
    cui: str | None = None

    @property
    def file_code(self) -> str:
        """The {Cod} of the SIUI file name: the fiscal code when known, else the provider code."""
        return self.cui or self.providerCode

    @classmethod
    def from_dict(cls, data: Any, source: str = "provider") -> "Provider":
        """A provider from decoded JSON; missing or non-text keys are an InputError."""
        if not isinstance(data, dict):
            raise InputError(f"{source}: expected a JSON object with {', '.join(_REQUIRED)}")
        values: dict[str, str | None] = {}
        for key in _REQUIRED + _OPTIONAL:
            value = data.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                if key in _REQUIRED:
                    raise InputError(f"{source}: '{key}' is missing")
                values[key] = None
                continue
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise InputError(f"{source}: '{key}' must be text")
            values[key] = str(value).strip()
        return cls(**values)  # type: ignore[arg-type]


def load_provider(path: str) -> Provider:
    """PROVIDER.json: providerCode, providerName, insuranceHouse, conventionNo, optional workPlace, AppKey, cui."""
    try:
        data = json.loads(read_text(path))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: {json_problem(exc)}") from None
    return Provider.from_dict(data, path)


def parse_month(value: str | tuple[int, int]) -> tuple[int, int]:
    """'YYYY-MM' (or a (year, month) pair) as (year, month)."""
    if isinstance(value, tuple):
        year, month = value
    else:
        match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
        if not match:
            raise InputError(f"--month: '{value}' is not a month YYYY-MM")
        year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1750 <= year <= 9999:
        raise InputError(f"--month: {year:04d}-{month:02d} is not a valid month")
    return year, month
