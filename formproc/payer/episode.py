"""An episode of illness: the initial certificate and its continuations, as periods actually paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

from formproc.calendar import calendar_days
from formproc.errors import InputError
from formproc.model import Certificate


@dataclass(frozen=True)
class Leave:
    """One certificate of an episode with the period it pays (an overlap ends it early)."""

    cert: Certificate
    start: date
    end: date

    @property
    def days(self) -> int:
        """Calendar days paid by this certificate."""
        return calendar_days(self.start, self.end)

    @property
    def name(self) -> str:
        """Series and number, for messages."""
        return _name(self.cert)


def _name(cert: Certificate) -> str:
    return " ".join(p for p in cert.key if p) or "(fără serie/număr)"


def _period(cert: Certificate) -> tuple[date, date]:
    if cert.validFrom is None or cert.validTo is None:
        raise InputError(f"certificate {_name(cert)}: validFrom and validTo are needed to compute the payer part")
    if cert.validTo < cert.validFrom:
        raise InputError(f"certificate {_name(cert)}: validTo is before validFrom")
    return cert.validFrom, cert.validTo


def chain_of(cert: Certificate, history: Sequence[Certificate]) -> list[Certificate]:
    """The certificate and the ones it continues, oldest first, found in `history` by series/number."""
    by_key = {h.key: h for h in history if h.status == "issued"}
    chain = [cert]
    while chain[0].continuation:
        cur = chain[0]
        key = (cur.prevSerialCode or "", cur.prevSerialNo or "")
        prev = by_key.get(key)
        if prev is None:
            raise InputError(f"certificate {_name(cur)} is a continuation: give its previous certificate "
                             f"{' '.join(p for p in key if p) or '(series/number missing)'} with --history")
        if any(prev is c or prev.key == c.key for c in chain):
            raise InputError(f"certificate {_name(prev)}: the continuation chain loops")
        chain.insert(0, prev)
    return chain


def episode_of(cert: Certificate, history: Sequence[Certificate] = ()) -> tuple[list[Leave], list[str]]:
    """The episode's leaves up to `cert`, and notes on overlaps and gaps.

    An overlap pays the earlier certificate up to the day before the later one starts (Norme art.
    33 alin. (3)); a gap makes separate leaves whose days do not add up (Norme art. 32), so the
    episode then starts after the gap.
    """
    chain = chain_of(cert, history)
    periods = [_period(c) for c in chain]
    leaves: list[Leave] = []
    notes: list[str] = []
    for i, (c, (start, end)) in enumerate(zip(chain, periods)):
        if i + 1 < len(chain):
            nxt = periods[i + 1][0]
            if nxt <= end:
                notes.append(f"Suprapunere: certificatul {_name(c)} se plătește până la "
                             f"{(nxt - timedelta(days=1)):%d.%m.%Y}, ziua dinaintea certificatului următor "
                             "(Norme art. 33 alin. (3)).")
                end = nxt - timedelta(days=1)
        if leaves and start > leaves[-1].end + timedelta(days=1):
            notes.append(f"Întrerupere înainte de {start:%d.%m.%Y}: concediile se iau în considerare separat, "
                         "zilele nu se cumulează (Norme art. 32).")
            leaves = []
        if end >= start:
            leaves.append(Leave(c, start, end))
    if not leaves or leaves[-1].cert is not cert:
        raise InputError(f"certificate {_name(cert)}: its period is wholly covered by a later certificate")
    return leaves, notes
