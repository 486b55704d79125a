"""OpenID Connect signing keys, read at start-up (no Django import: settings use it).

The active key signs; inactive keys are published in the JWKS so that tokens signed before a
rotation still verify until the operator retires them. In production the keys come from the
environment or Docker secrets; the local demo generates one key once under the data folder,
like the secret key, so tokens survive restarts.
"""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_PEM_BLOCK = re.compile(
    r"-----BEGIN (?:RSA )?PRIVATE KEY-----.+?-----END (?:RSA )?PRIVATE KEY-----", re.DOTALL
)


class KeyError_(ValueError):
    """A key that is not an RSA private key of a usable size."""


def split_pems(text: str) -> list[str]:
    """Every PEM private key block in `text` (a file or variable may hold several)."""
    return [block.strip() + "\n" for block in _PEM_BLOCK.findall(text.replace("\\n", "\n"))]


def check_rsa_pem(pem: str, *, name: str) -> str:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyError_(f"{name} is not a PEM private key without a passphrase ({exc}).") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyError_(f"{name} is not an RSA key; ID tokens are signed with RS256.")
    if key.key_size < 2048:
        raise KeyError_(f"{name} has {key.key_size} bits; expected at least 2048.")
    return pem


def generate_rsa_pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def local_private_key(data_dir: Path) -> str:
    """The demo's signing key: generated once, kept with mode 0600 beside the secret key."""
    path = data_dir / "oidc_private_key.pem"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(generate_rsa_pem())
    return path.read_text()
