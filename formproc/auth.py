"""Local users: argon2 password hashes, roles and what each role may do."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from formproc.errors import InputError
from formproc.store import Store
from formproc.store.tables import User

ROLES = {"doctor": "Medic", "registrar": "Registratură", "payroll": "Salarizare", "admin": "Administrator"}

#: Which roles may use each capability (pages check these, the CLI runs as the local operator).
CAPABILITIES: dict[str, frozenset[str]] = {
    "certificates": frozenset({"doctor", "registrar", "payroll", "admin"}),
    "print": frozenset({"doctor", "registrar", "admin"}),
    "scan": frozenset({"doctor", "registrar", "payroll", "admin"}),
    "reconcile": frozenset({"doctor", "registrar", "admin"}),
    "report": frozenset({"registrar", "payroll", "admin"}),
    "feedback": frozenset({"registrar", "payroll", "admin"}),
    "settings": frozenset({"admin"}),
    "audit": frozenset({"registrar", "admin"}),
}

MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,100}$")
_hasher = PasswordHasher()


def can(role: str | None, capability: str) -> bool:
    """True when a role may use a capability."""
    return role is not None and role in CAPABILITIES.get(capability, frozenset())


def hash_password(password: str) -> str:
    """An argon2id hash of a password (at least MIN_PASSWORD characters)."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"parola trebuie să aibă cel puțin {MIN_PASSWORD} caractere")
    return _hasher.hash(password)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(f"rol necunoscut '{role}' (roluri: {', '.join(ROLES)})")


def create_user(store: Store, username: str, password: str | None, role: str, full_name: str | None = None,
                by: str | None = None) -> User:
    """Create a local user; without a password the user can only sign in through OpenID Connect."""
    username = username.strip()
    if not _USERNAME.match(username):
        raise InputError("numele de utilizator: 2-100 caractere, litere, cifre, . _ @ -")
    _check_role(role)
    return store.add_user(username, hash_password(password) if password else None, role, full_name, by)


def set_password(store: Store, username: str, password: str, by: str | None = None) -> None:
    """Replace a user's password."""
    store.update_user(username, by, password_hash=hash_password(password))


def set_role(store: Store, username: str, role: str, by: str | None = None) -> None:
    """Change a user's role."""
    _check_role(role)
    store.update_user(username, by, role=role)


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (the same answer for every failure)."""
    user = store.get_user(username.strip())
    if user is None or not user.active or not user.password_hash:
        _hasher.hash("timing-equaliser")  # do not reveal which names exist by answering faster
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        store.update_user(user.username, user.username, password_hash=_hasher.hash(password))
    return user
