"""Object storage on the cluster's MinIO: a bucket per app and an access key that can reach
that bucket only. The one module that talks to MinIO (the `minio` SDK: `Minio` for the S3
side, `MinioAdmin` for users and policies).

A bucket made here carries the tag `polise-app=<slug>`; a bucket of that name without it was
made by someone else, and onboarding stops with a clear message instead of taking it over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from minio import Minio, MinioAdmin
from minio.commonconfig import Tags
from minio.credentials import StaticProvider
from minio.error import MinioAdminException, S3Error

TAG = "polise-app"
# S3's rules for a bucket name, less dots (they break virtual-host TLS names).
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
ACCESS_KEY_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,128}$")
TIMEOUT_SECONDS = 10


class StorageError(Exception):
    retryable = False


class StorageUnavailable(StorageError):
    retryable = True


class BucketClash(StorageError):
    pass


@dataclass(frozen=True)
class StorageConfig:
    """Where MinIO is and the admin credentials Polise uses there."""

    endpoint_url: str  # S3 API, e.g. https://s3.apps.lan
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    admin_url: str = ""  # the admin API, when it is not served at the same address

    def _split(self, url: str) -> tuple[str, bool]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StorageError(f"{url!r} is not an http(s) URL of MinIO")
        return parts.netloc, parts.scheme == "https"


def _http() -> urllib3.PoolManager:
    # Retries belong to the job that called us, which backs off; a worker never sleeps here.
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS),
        retries=urllib3.Retry(total=0, redirect=0),
    )


def s3_client(config: StorageConfig) -> Minio:
    host, secure = config._split(config.endpoint_url)
    return Minio(
        host,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=secure,
        region=config.region,
        http_client=_http(),
    )


def admin_client(config: StorageConfig) -> MinioAdmin:
    host, secure = config._split(config.admin_url or config.endpoint_url)
    return MinioAdmin(
        endpoint=host,
        credentials=StaticProvider(config.access_key, config.secret_key),
        region=config.region,
        secure=secure,
        http_client=_http(),
    )


def bucket_policy(bucket: str) -> dict[str, Any]:
    """What the app's key may do: everything on its own bucket and its objects, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetBucketLocation",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                ],
                "Resource": [f"arn:aws:s3:::{bucket}"],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                "Resource": [f"arn:aws:s3:::{bucket}/*"],
            },
        ],
    }


def policy_name(bucket: str) -> str:
    return f"polise-bucket-{bucket}"


def _translate(exc: Exception, what: str) -> StorageError:
    if isinstance(exc, S3Error):
        return StorageError(f"{what}: {exc.code}: {exc.message}")
    if isinstance(exc, MinioAdminException):
        status = int(exc._code) if str(exc._code).isdigit() else 0
        error = StorageUnavailable if status >= 500 or status == 429 else StorageError
        return error(f"{what}: MinIO answered {exc._code}: {exc._body[:200]}")
    return StorageUnavailable(f"{what}: {type(exc).__name__}: {exc}")


def _check_bucket_name(bucket: str) -> None:
    if not BUCKET_RE.match(bucket):
        raise StorageError(
            f"bucket name {bucket!r}: use 3-63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )


def bucket_ensure(config: StorageConfig, *, bucket: str, app: str, adopt_untagged: bool) -> bool:
    """Make the app's bucket (True) or find it already made for this app (False).

    `adopt_untagged`: an earlier attempt of this very step made the bucket and stopped before
    tagging it, so an untagged bucket of this name is ours.
    """
    _check_bucket_name(bucket)
    client = s3_client(config)
    try:
        exists = client.bucket_exists(bucket)
        if exists:
            tags: dict[str, str] = dict(client.get_bucket_tags(bucket) or {})
            owner = tags.get(TAG)
            if owner == app:
                return False
            if owner or not adopt_untagged:
                whose = (
                    f"Polise made it for the app {owner!r}" if owner else "Polise did not make it"
                )
                raise BucketClash(
                    f"a bucket named {bucket!r} already exists and {whose}; choose another name"
                )
        else:
            client.make_bucket(bucket, location=config.region)
        marker = Tags.new_bucket_tags()
        marker[TAG] = app
        client.set_bucket_tags(bucket, marker)
    except StorageError:
        raise
    except (S3Error, urllib3.exceptions.HTTPError, OSError) as exc:
        raise _translate(exc, f"bucket {bucket}") from exc
    return not exists


def access_key_ensure(
    config: StorageConfig, *, bucket: str, access_key: str, secret_key: str
) -> None:
    """The app's access key, with a policy that allows its bucket only. Each call sets the
    secret key it is given (MinIO's add-user replaces an existing user's), so the caller
    delivers exactly what was set."""
    _check_bucket_name(bucket)
    if not ACCESS_KEY_RE.match(access_key):
        raise StorageError(f"access key {access_key!r} has characters MinIO does not take")
    admin = admin_client(config)
    name = policy_name(bucket)
    try:
        admin.policy_add(name, policy=bucket_policy(bucket))
        admin.user_add(access_key, secret_key)
        admin.policy_set(name, user=access_key)
    except (MinioAdminException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise _translate(exc, f"access key for {bucket}") from exc
