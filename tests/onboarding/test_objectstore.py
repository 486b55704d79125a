"""An app's bucket on a real S3-compatible server (moto) and its access key through MinIO's
admin API (the checked stand-in)."""

from __future__ import annotations

import pytest

from polise.onboarding import objectstore
from polise.onboarding.objectstore import BucketClash, StorageConfig, StorageError


@pytest.fixture
def config(s3_server, minio_admin) -> StorageConfig:
    return StorageConfig(
        endpoint_url=s3_server,
        access_key=minio_admin.access_key,
        secret_key=minio_admin.secret_key,
        admin_url=minio_admin.url,
    )


def _fresh_bucket(request) -> str:
    return f"t-{request.node.name[-20:].replace('_', '-').lower()}-{id(request) % 10000}"


def test_a_bucket_is_made_once_and_tagged_with_its_app(config, request):
    bucket = _fresh_bucket(request)

    first = objectstore.bucket_ensure(config, bucket=bucket, app="simpeg", adopt_untagged=False)
    again = objectstore.bucket_ensure(config, bucket=bucket, app="simpeg", adopt_untagged=False)

    assert (first, again) == (True, False)
    client = objectstore.s3_client(config)
    assert client.bucket_exists(bucket)
    assert client.get_bucket_tags(bucket) == {"polise-app": "simpeg"}


def test_a_bucket_someone_else_made_is_never_taken_over(config, request):
    bucket = _fresh_bucket(request)
    objectstore.s3_client(config).make_bucket(bucket)  # made by hand

    with pytest.raises(BucketClash, match="Polise did not make it"):
        objectstore.bucket_ensure(config, bucket=bucket, app="simpeg", adopt_untagged=False)
    objectstore.bucket_ensure(config, bucket=bucket, app="simpeg", adopt_untagged=True)
    assert objectstore.s3_client(config).get_bucket_tags(bucket) == {"polise-app": "simpeg"}


def test_another_apps_bucket_is_a_clash(config, request):
    bucket = _fresh_bucket(request)
    objectstore.bucket_ensure(config, bucket=bucket, app="sikda", adopt_untagged=False)
    with pytest.raises(BucketClash, match="for the app 'sikda'"):
        objectstore.bucket_ensure(config, bucket=bucket, app="simpeg", adopt_untagged=True)
    assert objectstore.s3_client(config).get_bucket_tags(bucket) == {"polise-app": "sikda"}


def test_the_access_key_may_reach_its_bucket_only(config, minio_admin):
    objectstore.access_key_ensure(
        config, bucket="simpeg-files", access_key="simpeg", secret_key="s" * 40
    )

    user = minio_admin.users["simpeg"]
    assert user["secret_key"] == "s" * 40
    policy = minio_admin.policies[user["policy"]]
    resources = {r for statement in policy["Statement"] for r in statement["Resource"]}
    assert resources == {"arn:aws:s3:::simpeg-files", "arn:aws:s3:::simpeg-files/*"}
    assert all(statement["Effect"] == "Allow" for statement in policy["Statement"])
    assert not any(
        action in ("s3:*", "s3:CreateBucket", "s3:DeleteBucket", "s3:ListAllMyBuckets")
        for statement in policy["Statement"]
        for action in statement["Action"]
    )


def test_ensuring_the_key_again_sets_the_new_secret_and_keeps_one_user(config, minio_admin):
    for secret in ("a" * 40, "b" * 40):
        objectstore.access_key_ensure(
            config, bucket="simpeg-files", access_key="simpeg", secret_key=secret
        )
    assert list(minio_admin.users) == ["simpeg"]
    assert minio_admin.users["simpeg"]["secret_key"] == "b" * 40


def test_a_wrong_admin_secret_is_refused_by_the_signature_check(config, minio_admin):
    wrong = StorageConfig(
        endpoint_url=config.endpoint_url,
        access_key=config.access_key,
        secret_key="not-the-secret",
        admin_url=config.admin_url,
    )
    with pytest.raises(StorageError, match="403"):
        objectstore.access_key_ensure(
            wrong, bucket="simpeg-files", access_key="k01", secret_key="x"
        )
    assert any("signature does not match" in v for v in minio_admin.violations)
    minio_admin.violations.clear()  # the refusal was the point
    assert minio_admin.users == {}


def test_minio_down_is_retryable_and_bad_names_are_not(config, minio_admin):
    minio_admin.fail_next.append(503)
    with pytest.raises(objectstore.StorageUnavailable):
        objectstore.access_key_ensure(
            config, bucket="simpeg-files", access_key="k01", secret_key="x"
        )
    with pytest.raises(StorageError, match="bucket name") as bad:
        objectstore.bucket_ensure(config, bucket="Bad_Name", app="x", adopt_untagged=False)
    assert not bad.value.retryable
