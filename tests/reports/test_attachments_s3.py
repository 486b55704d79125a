"""Report attachments on object storage: POLISE_S3_* read as in production, files stored in a
real S3-compatible server (moto) and served only through Polise's own view."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from minio import Minio

from polise.reports.models import Report
from tests.factories import make_user

from .conftest import PNG
from .test_filing import form

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "polise-uploads"


def _storage_from_environment(s3_server: str, tmp_path) -> dict:
    """The default storage that polise.settings builds from POLISE_S3_* (in a fresh process,
    as a deployment reads them at start-up)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLISE_")}
    env.update(
        POLISE_DATA_DIR=str(tmp_path),
        POLISE_S3_BUCKET=BUCKET,
        POLISE_S3_ENDPOINT_URL=s3_server,
        POLISE_S3_ACCESS_KEY="polise-uploads",
        POLISE_S3_SECRET_KEY_FILE=str(tmp_path / "s3_secret"),
    )
    (tmp_path / "s3_secret").write_text("uploads-secret-key\n")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, polise.settings as s; print(json.dumps(s.STORAGES['default']))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture
def s3_storage(settings, s3_server, tmp_path):
    storage = _storage_from_environment(s3_server, tmp_path)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["secret_key"] == "uploads-secret-key"  # from the _FILE form
    client = Minio(
        s3_server.removeprefix("http://"),
        access_key="polise-uploads",
        secret_key="uploads-secret-key",
        secure=False,
    )
    if not client.bucket_exists(BUCKET):
        client.make_bucket(BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return client


def test_an_attachment_is_stored_in_the_bucket_and_served_only_through_polise(
    client, simpeg, reporter, forge, s3_storage
):
    shot = SimpleUploadedFile("layar.png", PNG, content_type="image/png")

    response = client.post("/apps/simpeg/report/", {**form(), "attachments": [shot]})

    assert response.status_code == 302
    attachment = Report.objects.get().attachments.get()
    stored = s3_storage.get_object(BUCKET, attachment.file.name)
    assert stored.read() == PNG
    stored.close()
    served = client.get(f"/reports/attachments/{attachment.token}/")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG
    client.force_login(make_user())
    assert client.get(f"/reports/attachments/{attachment.token}/").status_code == 404
