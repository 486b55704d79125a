"""Signing keys from the environment or Docker secrets; the demo's generated once."""

from __future__ import annotations

import os
import subprocess
import sys

from polise.sso.keys import generate_rsa_pem, split_pems

PRINT_KEYS = (
    "from django.conf import settings; import json; "
    "print(json.dumps([settings.OIDC_PRIVATE_KEY, settings.OIDC_INACTIVE_KEYS]))"
)


def _settings(tmp_path, **extra):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POLISE_", "DATABASE_URL"))}
    environ.update(POLISE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="polise.settings", **extra)
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEYS], env=environ, capture_output=True, text=True, check=False
    )


def test_keys_come_from_docker_secrets_with_several_inactive_ones(tmp_path):
    import json

    active, old1, old2 = generate_rsa_pem(), generate_rsa_pem(), generate_rsa_pem()
    (tmp_path / "active.pem").write_text(active)
    (tmp_path / "inactive.pem").write_text(old1 + "\n" + old2)
    result = _settings(
        tmp_path,
        POLISE_OIDC_PRIVATE_KEY_FILE=str(tmp_path / "active.pem"),
        POLISE_OIDC_INACTIVE_KEYS_FILE=str(tmp_path / "inactive.pem"),
    )
    assert result.returncode == 0, result.stderr
    key, inactive = json.loads(result.stdout)
    assert split_pems(key) == split_pems(active)
    assert inactive == split_pems(old1 + old2)


def test_a_bad_key_stops_start_up_naming_the_variable(tmp_path):
    result = _settings(
        tmp_path,
        POLISE_OIDC_INACTIVE_KEYS="-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
    )
    assert result.returncode != 0
    assert "POLISE_OIDC_INACTIVE_KEYS is not a PEM private key" in result.stderr


def test_the_demo_generates_its_key_once_and_keeps_it_private(tmp_path):
    import json

    first = _settings(tmp_path)
    assert first.returncode == 0, first.stderr
    path = tmp_path / "oidc_private_key.pem"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert (
        json.loads(_settings(tmp_path).stdout)[0] == json.loads(first.stdout)[0] == path.read_text()
    )
