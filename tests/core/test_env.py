import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from polise.core.env import Env


def test_reads_plain_values_and_defaults():
    env = Env({"A": "x", "B": "yes", "C": "7", "D": "a, b,,c"})
    assert env.string("A") == "x"
    assert env.string("MISSING", "dflt") == "dflt"
    assert env.boolean("B") is True
    assert env.boolean("MISSING", default=True) is True
    assert env.integer("C", 1) == 7
    assert env.strings("D") == ["a", "b", "c"]


def test_file_variant_reads_a_docker_secret(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert Env({"KEY_FILE": str(secret)}).string("KEY") == "s3cret"


@pytest.mark.parametrize(
    ("environ", "call", "fragment"),
    [
        ({"FLAG": "maybe"}, lambda e: e.boolean("FLAG"), "FLAG='maybe' is not a boolean"),
        ({"N": "ten"}, lambda e: e.integer("N", 1), "N='ten' is not a whole number"),
        ({"N": "0"}, lambda e: e.integer("N", 1, minimum=1), "N=0 is too small"),
        (
            {"C": "xml"},
            lambda e: e.choice("C", ("text", "json"), "text"),
            "expected one of: text, json",
        ),
        ({}, lambda e: e.string("NEED", required=True), "NEED is not set"),
        (
            {"K_FILE": "/nonexistent/k"},
            lambda e: e.string("K"),
            "K_FILE points at '/nonexistent/k'",
        ),
    ],
)
def test_wrong_values_name_the_variable(environ, call, fragment):
    with pytest.raises(
        ImproperlyConfigured, match=fragment.replace("(", r"\(").replace(")", r"\)")
    ):
        call(Env(environ))


def _start(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter, as start-up would."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POLISE_", "DATABASE_URL"))}
    environ.update(POLISE_DATA_DIR=str(tmp_path), **extra)
    return subprocess.run(
        [sys.executable, "-c", "import polise.settings"],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def _rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


PRODUCTION = {
    "POLISE_ENV": "production",
    "POLISE_OIDC_PRIVATE_KEY": _rsa_pem(),
    "POLISE_SECRET_KEY": "k" * 60,
    "DATABASE_URL": "postgres://polise:pw@db.internal:5432/polise",
    "POLISE_BASE_URL": "https://portal.example.go.id",
    "POLISE_GITHUB_WEBHOOK_SECRET": "hook-secret",
    "POLISE_GITHUB_TOKEN": "github_pat_" + "x" * 40,
}


def test_a_complete_production_configuration_starts(tmp_path):
    result = _start(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"POLISE_SECRET_KEY": ""}, "POLISE_SECRET_KEY is not set"),
        ({"POLISE_SECRET_KEY": "short"}, "POLISE_SECRET_KEY is too short"),
        ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "mongodb://x/y"}, "DATABASE_URL is not a database URL"),
        ({"POLISE_BASE_URL": "http://portal.example.go.id"}, "must use https"),
        ({"POLISE_BASE_URL": "portal"}, "POLISE_BASE_URL='portal' is not a URL"),
        ({"POLISE_DEBUG": "1"}, "POLISE_DEBUG=1 is refused"),
        ({"POLISE_LOG_FORMAT": "xml"}, "POLISE_LOG_FORMAT='xml' is not valid"),
        ({"POLISE_GITHUB_WEBHOOK_SECRET": ""}, "POLISE_GITHUB_WEBHOOK_SECRET is not set"),
        ({"POLISE_GITHUB_TOKEN": ""}, "POLISE_GITHUB_TOKEN is not set, nor POLISE_GITHUB_APP_ID"),
        ({"POLISE_GITHUB_APP_ID": "42"}, "POLISE_GITHUB_APP_PRIVATE_KEY"),
    ],
)
def test_a_wrong_production_value_stops_start_up_naming_it(tmp_path, override, fragment):
    result = _start(tmp_path, **{**PRODUCTION, **override})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert fragment in result.stderr


def test_a_github_app_instead_of_a_token_is_enough_in_production(tmp_path):
    result = _start(
        tmp_path,
        **{**PRODUCTION, "POLISE_GITHUB_TOKEN": ""},
        POLISE_GITHUB_APP_ID="4242",
        POLISE_GITHUB_APP_PRIVATE_KEY=_rsa_pem(),
        POLISE_GITHUB_APP_INSTALLATION_ID="77",
    )
    assert result.returncode == 0, result.stderr


def test_uploads_go_to_object_storage_when_a_bucket_is_named(tmp_path):
    result = _start(tmp_path, **PRODUCTION, POLISE_S3_BUCKET="polise-media")
    assert result.returncode != 0
    assert "POLISE_S3_ENDPOINT_URL is not set" in result.stderr
    code = "import polise.settings as s; print(s.STORAGES['default']['BACKEND'])"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POLISE_", "DATABASE_URL"))}
    environ.update(
        PRODUCTION,
        POLISE_DATA_DIR=str(tmp_path),
        POLISE_S3_BUCKET="polise-media",
        POLISE_S3_ENDPOINT_URL="http://minio.internal:9000",
        POLISE_S3_ACCESS_KEY="polise",
        POLISE_S3_SECRET_KEY="secret",
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "storages.backends.s3.S3Storage"


def test_local_default_generates_and_keeps_a_secret_key(tmp_path):
    first = _start(tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    _start(tmp_path)
    assert (tmp_path / "secret_key").read_text() == key
