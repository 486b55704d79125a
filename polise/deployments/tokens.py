"""Deploy token format and hashing: `pdt_<prefix>_<secret>`."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "pdt_"


def new_token() -> tuple[str, str, str]:
    """(plaintext, prefix, hash). The plaintext is shown once and never stored."""
    prefix = secrets.token_hex(6)
    plaintext = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return plaintext, prefix, hash_token(plaintext)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def parse_prefix(plaintext: str) -> str | None:
    if not plaintext.startswith(PREFIX):
        return None
    prefix, sep, rest = plaintext[len(PREFIX) :].partition("_")
    return prefix if sep and rest and len(prefix) == 12 else None


def matches(plaintext: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(plaintext), stored_hash)
