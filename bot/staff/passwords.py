"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_hasher = PasswordHasher()
_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def burn_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown e-mail takes as long as a known one."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_hex(16))
    verify_password(_dummy_hash, password)


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def password_problems(new: str, *, old: str | None = None, email: str | None = None) -> list[str]:
    problems = []
    if len(new) < MIN_LENGTH:
        problems.append(f"The new password must have at least {MIN_LENGTH} characters.")
    if old is not None and new == old:
        problems.append("The new password must be different from the old one.")
    if email and new.strip().lower() == email.strip().lower():
        problems.append("The password must not be your e-mail address.")
    return problems
