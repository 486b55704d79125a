"""The GitHub fake itself: contract check, endpoints, faults, webhooks, githubkit compatibility."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest
from nacl.public import PublicKey, SealedBox

from tests.fakes.github import GitHubFake, signature, spec

# Until tests/conftest.py registers the plugin for the whole suite.
pytest_plugins = ["tests.fakes.github.fixtures", "pytester"]

OWNER = "diskominfo"


@pytest.fixture
def gh(github_fake: GitHubFake) -> httpx.Client:
    with httpx.Client(
        base_url=github_fake.base_url,
        headers={"Authorization": "token test-token", "Accept": "application/vnd.github+json"},
        timeout=5,
    ) as client:
        yield client


@pytest.fixture
def repo(github_fake: GitHubFake):
    return github_fake.add_repo(
        OWNER, "app1", files={"README.md": "# app1\n", "src/main.py": "print('hi')\n"}
    )


@pytest.fixture
def hooked(github_fake: GitHubFake, github_webhook_receiver):
    github_fake.webhook_url = github_webhook_receiver.url
    github_fake.webhook_secret = "It's a Secret to Everybody"
    return github_webhook_receiver


def verify(received, secret: str = "It's a Secret to Everybody") -> None:
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Hub-Signature-256"] == expected


# --- the contract check -----------------------------------------------------------------------


def test_unknown_endpoint_is_404_and_a_violation(github_fake, gh):
    r = gh.get("/repos/o/r/definitely-not-github")
    assert r.status_code == 404
    assert "no operation in GitHub's REST description" in r.json()["message"]
    [violation] = github_fake.take_violations()
    assert violation.kind == "route"


def test_wrong_method_is_a_violation(github_fake, gh, repo):
    r = gh.delete(f"/repos/{OWNER}/app1/issues")
    assert r.status_code == 404
    [violation] = github_fake.take_violations()
    assert "DELETE is not an operation of /repos/{owner}/{repo}/issues" in violation.detail
    assert "GET, POST" in violation.detail


def test_invalid_body_is_422_and_a_violation(github_fake, gh, repo):
    r = gh.post(f"/repos/{OWNER}/app1/issues", json={"body": "no title", "labels": "bug"})
    assert r.status_code == 422
    details = " ".join(v.detail for v in github_fake.take_violations())
    assert "'title' is a required property" in details
    assert github_fake.state.issues(OWNER, "app1") == []


def test_undefined_query_parameter_is_a_violation(github_fake, gh, repo):
    gh.get(f"/repos/{OWNER}/app1/issues", params={"status": "open"})
    [violation] = github_fake.take_violations()
    assert "query parameter 'status' is not defined" in violation.detail


def test_invalid_response_is_a_violation(github_fake, gh, repo):
    github_fake.corrupt_next_response(lambda body: {**body, "number": "one"}, method="POST")
    r = gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "x"})
    assert r.status_code == 201
    [violation] = github_fake.take_violations()
    assert violation.kind == "response"
    assert "number: 'one' is not of type 'integer'" in violation.detail


def test_missing_required_response_field_is_a_violation(github_fake, gh, repo):
    github_fake.corrupt_next_response(lambda body: {k: v for k, v in body.items() if k != "id"})
    gh.get(f"/repos/{OWNER}/app1")
    assert "'id' is a required property" in github_fake.take_violations()[0].detail


def test_violations_fail_the_check(github_fake, gh):
    gh.get("/nope")
    with pytest.raises(AssertionError, match="1 contract violation"):
        github_fake.check()
    github_fake.take_violations()
    github_fake.check()


def test_validation_is_fast(github_fake, repo):
    headers = {"authorization": "token test-token", "content-type": "application/json"}
    github_fake.handle("POST", f"/repos/{OWNER}/app1/issues", headers, b'{"title": "warm"}')
    started = time.perf_counter()
    for i in range(50):
        github_fake.handle(
            "POST", f"/repos/{OWNER}/app1/issues", headers, json.dumps({"title": f"t{i}"}).encode()
        )
        github_fake.handle("GET", f"/repos/{OWNER}/app1/issues/{i + 1}", headers, b"")
    per_request = (time.perf_counter() - started) / 100
    # measured about 1 ms with validation of both directions; openapi-core would be far slower
    assert per_request < 0.02, f"{per_request * 1000:.1f} ms per request"
    assert not github_fake.violations


INNER_TEST = """
import httpx
pytest_plugins = ["tests.fakes.github.fixtures"]

def test_calls_unknown_endpoint(github_fake):
    httpx.get(github_fake.base_url + "/not/github", headers={"Authorization": "token test-token"})
"""


def test_fixture_fails_the_test_at_teardown(pytester):
    result = pytester.runpytest_inprocess(
        "-p", "no:django", "-p", "no:cacheprovider", pytester.makepyfile(INNER_TEST)
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*1 contract violation*", "*no operation in GitHub's REST*"])


def test_fixture_fails_rather_than_skips_without_the_spec(pytester, monkeypatch, tmp_path):
    monkeypatch.setattr(spec, "_loaded", {})
    monkeypatch.setattr(spec, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(spec.shutil, "which", lambda name: None)
    monkeypatch.setattr(spec.load_contract, "__defaults__", (tmp_path,))
    result = pytester.runpytest_inprocess(
        "-p", "no:django", "-p", "no:cacheprovider", pytester.makepyfile(INNER_TEST)
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cannot load GitHub's API description*npm is not installed*"])


def test_spec_fetch_failure_is_clear(tmp_path, monkeypatch):
    monkeypatch.setattr(spec.shutil, "which", lambda name: None)
    with pytest.raises(spec.SpecUnavailable, match="npm is not installed"):
        spec.fetch_openapi(tmp_path)


# --- auth and headers -------------------------------------------------------------------------


def test_realistic_headers_and_rate_limit_accounting(github_fake, gh, repo):
    first = gh.get(f"/repos/{OWNER}/app1")
    second = gh.get(f"/repos/{OWNER}/app1")
    assert first.headers["content-type"] == "application/json; charset=utf-8"
    assert first.headers["x-ratelimit-limit"] == "5000"
    assert first.headers["x-ratelimit-resource"] == "core"
    assert int(second.headers["x-ratelimit-used"]) == int(first.headers["x-ratelimit-used"]) + 1
    assert int(second.headers["x-ratelimit-remaining"]) == 5000 - int(
        second.headers["x-ratelimit-used"]
    )
    assert int(first.headers["x-ratelimit-reset"]) > time.time()
    assert first.headers["x-github-request-id"] != second.headers["x-github-request-id"]
    assert github_fake.rate_snapshot("test-token")["used"] == 2


def test_unknown_and_missing_tokens_are_401(github_fake, repo):
    with httpx.Client(base_url=github_fake.base_url) as anon:
        assert anon.get(f"/repos/{OWNER}/app1").status_code == 401
        bad = anon.get(f"/repos/{OWNER}/app1", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        assert bad.json()["message"] == "Bad credentials"


def test_app_jwt_gives_installation_token(github_fake, repo):
    with httpx.Client(base_url=github_fake.base_url) as client:
        app_jwt = {"Authorization": f"Bearer {github_fake.app_jwt()}"}
        r = client.post("/app/installations/77/access_tokens", headers=app_jwt)
        assert r.status_code == 201
        token, expires = r.json()["token"], r.json()["expires_at"]
        assert (
            3500
            < time.mktime(time.strptime(expires, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
            <= 3600
        )
        ok = client.get(f"/repos/{OWNER}/app1", headers={"Authorization": f"token {token}"})
        assert ok.status_code == 200
        assert (
            client.post("/app/installations/999/access_tokens", headers=app_jwt).status_code == 404
        )


def test_bad_or_expired_jwt_is_401(github_fake):
    other_key = jwt.encode(
        {"iss": "4242", "iat": int(time.time()), "exp": int(time.time()) + 60},
        # a key the fake does not know
        __import__("tests.fakes.github.fake", fromlist=["AppConfig"])
        .AppConfig.generated()
        .private_key_pem,
        algorithm="RS256",
    )
    expired = github_fake.app_jwt(issued=time.time() - 3600)
    with httpx.Client(base_url=github_fake.base_url) as client:
        for token in (other_key, expired):
            r = client.post(
                "/app/installations/77/access_tokens", headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 401, token


def test_expired_installation_token_is_401(github_fake, repo):
    github_fake.add_token(
        "ghs_old", "polise[bot]", kind="Bot", expires_at=time.time() - 1, installation_id=77
    )
    with httpx.Client(base_url=github_fake.base_url) as client:
        r = client.get(f"/repos/{OWNER}/app1", headers={"Authorization": "token ghs_old"})
        assert r.status_code == 401


# --- repositories -----------------------------------------------------------------------------


def test_repo_create_get_update(github_fake, gh):
    r = gh.post(f"/orgs/{OWNER}/repos", json={"name": "svc", "private": True, "auto_init": True})
    assert r.status_code == 201
    assert r.json()["full_name"] == f"{OWNER}/svc"
    assert r.json()["owner"]["type"] == "Organization"
    assert gh.post(f"/orgs/{OWNER}/repos", json={"name": "svc"}).status_code == 422
    r = gh.patch(f"/repos/{OWNER}/svc", json={"name": "svc2", "has_issues": False})
    assert r.json()["name"] == "svc2"
    assert gh.get(f"/repos/{OWNER}/svc").status_code == 404
    assert gh.get(f"/repos/{OWNER}/svc2").json()["private"] is True
    user_repo = gh.post("/user/repos", json={"name": "mine"})
    assert user_repo.json()["owner"]["login"] == "polise-bot"
    assert github_fake.state.created["repo"] == 2


def test_collaborators(github_fake, gh, repo):
    r = gh.put(f"/repos/{OWNER}/app1/collaborators/vendor-dev", json={"permission": "push"})
    assert r.status_code == 201
    assert r.json()["invitee"]["login"] == "vendor-dev"
    again = gh.put(f"/repos/{OWNER}/app1/collaborators/vendor-dev", json={"permission": "admin"})
    assert again.status_code == 204
    listed = gh.get(f"/repos/{OWNER}/app1/collaborators").json()
    assert {c["login"]: c["role_name"] for c in listed} == {OWNER: "admin", "vendor-dev": "admin"}
    assert gh.delete(f"/repos/{OWNER}/app1/collaborators/vendor-dev").status_code == 204
    assert github_fake.state.repo(OWNER, "app1").collaborators == {}


def test_hooks_and_ping(github_fake, gh, repo, github_webhook_receiver):
    r = gh.post(
        f"/repos/{OWNER}/app1/hooks",
        json={
            "name": "web",
            "events": ["issues", "push"],
            "config": {"url": github_webhook_receiver.url, "content_type": "json", "secret": "s3"},
        },
    )
    assert r.status_code == 201
    hook_id = r.json()["id"]
    assert r.json()["config"]["secret"] == "********"
    github_fake.wait_for_deliveries()
    [ping] = github_webhook_receiver.received
    assert ping.headers["X-GitHub-Event"] == "ping"
    assert ping.headers["X-GitHub-Hook-ID"] == str(hook_id)
    assert ping.json["hook_id"] == hook_id
    verify(ping, "s3")
    r = gh.patch(f"/repos/{OWNER}/app1/hooks/{hook_id}", json={"add_events": ["issue_comment"]})
    assert r.json()["events"] == ["issues", "push", "issue_comment"]
    assert len(gh.get(f"/repos/{OWNER}/app1/hooks").json()) == 1
    assert gh.delete(f"/repos/{OWNER}/app1/hooks/{hook_id}").status_code == 204
    assert gh.get(f"/repos/{OWNER}/app1/hooks").json() == []


def test_secrets_are_sealed_boxes(github_fake, gh, repo):
    key = gh.get(f"/repos/{OWNER}/app1/actions/secrets/public-key").json()
    sealed = SealedBox(PublicKey(base64.b64decode(key["key"]))).encrypt(b"registry-password")
    body = {"encrypted_value": base64.b64encode(sealed).decode(), "key_id": key["key_id"]}
    assert (
        gh.put(f"/repos/{OWNER}/app1/actions/secrets/REGISTRY_PASSWORD", json=body).status_code
        == 201
    )
    assert (
        gh.put(f"/repos/{OWNER}/app1/actions/secrets/REGISTRY_PASSWORD", json=body).status_code
        == 204
    )
    secret = github_fake.state.repo(OWNER, "app1").secrets["REGISTRY_PASSWORD"]
    assert secret.value == b"registry-password"


def test_secret_that_does_not_decrypt_is_rejected(github_fake, gh, repo):
    key = gh.get(f"/repos/{OWNER}/app1/actions/secrets/public-key").json()
    body = {"encrypted_value": base64.b64encode(b"plain text").decode(), "key_id": key["key_id"]}
    assert gh.put(f"/repos/{OWNER}/app1/actions/secrets/X", json=body).status_code == 422
    assert "not a sealed box" in github_fake.take_violations()[0].detail


def test_variables(github_fake, gh, repo):
    assert (
        gh.post(
            f"/repos/{OWNER}/app1/actions/variables", json={"name": "stack", "value": "a"}
        ).status_code
        == 201
    )
    assert (
        gh.post(
            f"/repos/{OWNER}/app1/actions/variables", json={"name": "STACK", "value": "b"}
        ).status_code
        == 409
    )
    assert (
        gh.patch(f"/repos/{OWNER}/app1/actions/variables/STACK", json={"value": "c"}).status_code
        == 204
    )
    assert github_fake.state.repo(OWNER, "app1").variables["STACK"].value == "c"


def test_branch_protection(github_fake, gh, repo):
    body = {
        "required_status_checks": {"strict": True, "contexts": ["ci"]},
        "enforce_admins": True,
        "required_pull_request_reviews": {"required_approving_review_count": 1},
        "restrictions": None,
    }
    r = gh.put(f"/repos/{OWNER}/app1/branches/main/protection", json=body)
    assert r.status_code == 200
    assert r.json()["required_status_checks"]["contexts"] == ["ci"]
    assert github_fake.state.repo(OWNER, "app1").protections["main"]["enforce_admins"] is True
    assert gh.put(f"/repos/{OWNER}/app1/branches/nope/protection", json=body).status_code == 404


# --- issues -----------------------------------------------------------------------------------


def test_issue_lifecycle(github_fake, gh, repo):
    r = gh.post(
        f"/repos/{OWNER}/app1/issues",
        json={
            "title": "Login broken",
            "body": "<!-- polise:key=abc -->",
            "labels": ["polise", "bug"],
        },
    )
    assert r.status_code == 201
    number = r.json()["number"]
    assert [lb["name"] for lb in r.json()["labels"]] == ["polise", "bug"]
    assert (
        gh.post(f"/repos/{OWNER}/app1/issues/{number}/comments", json={"body": "more"}).status_code
        == 201
    )
    comments = gh.get(f"/repos/{OWNER}/app1/issues/{number}/comments").json()
    assert [c["body"] for c in comments] == ["more"]
    labels = gh.post(
        f"/repos/{OWNER}/app1/issues/{number}/labels", json={"labels": ["security"]}
    ).json()
    assert [lb["name"] for lb in labels] == ["polise", "bug", "security"]
    closed = gh.patch(f"/repos/{OWNER}/app1/issues/{number}", json={"state": "closed"}).json()
    assert closed["state"] == "closed" and closed["closed_at"]
    assert gh.get(f"/repos/{OWNER}/app1/issues/{number}").json()["comments"] == 1
    assert github_fake.state.created == {"issue": 1, "comment": 1}


def test_issue_list_filters_and_pagination(github_fake, gh, repo):
    for i in range(5):
        gh.post(
            f"/repos/{OWNER}/app1/issues",
            json={"title": f"t{i}", "labels": ["polise"] if i % 2 else []},
        )
    gh.patch(f"/repos/{OWNER}/app1/issues/1", json={"state": "closed"})
    assert len(gh.get(f"/repos/{OWNER}/app1/issues").json()) == 4
    assert len(gh.get(f"/repos/{OWNER}/app1/issues", params={"state": "all"}).json()) == 5
    labelled = gh.get(f"/repos/{OWNER}/app1/issues", params={"labels": "polise", "state": "all"})
    assert sorted(i["number"] for i in labelled.json()) == [2, 4]
    assert gh.get(f"/repos/{OWNER}/app1/issues", params={"creator": "someone"}).json() == []
    future = gh.get(f"/repos/{OWNER}/app1/issues", params={"since": "2999-01-01T00:00:00Z"})
    assert future.json() == []
    page1 = gh.get(f"/repos/{OWNER}/app1/issues", params={"state": "all", "per_page": 2})
    assert [i["number"] for i in page1.json()] == [5, 4]
    assert 'rel="next"' in page1.headers["link"] and 'rel="last"' in page1.headers["link"]
    page3 = gh.get(page1.links["last"]["url"])
    assert [i["number"] for i in page3.json()] == [1]
    assert 'rel="prev"' in page3.headers["link"]


def test_issues_disabled_is_410(gh, github_fake):
    github_fake.add_repo(OWNER, "noissues", has_issues=False)
    r = gh.post(f"/repos/{OWNER}/noissues/issues", json={"title": "x"})
    assert r.status_code == 410
    assert r.json()["message"] == "Issues are disabled for this repo"


def test_labels_dropped_without_push_access(github_fake, gh, repo):
    github_fake.read_only_logins.add("polise-bot")
    r = gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "x", "labels": ["bug"]})
    assert r.status_code == 201 and r.json()["labels"] == []


# --- security ---------------------------------------------------------------------------------


def test_private_vulnerability_reporting(github_fake, gh, repo):
    report = {"summary": "XSS in login", "description": "details", "severity": "high"}
    url = f"/repos/{OWNER}/app1/security-advisories/reports"
    assert gh.get(f"/repos/{OWNER}/app1/private-vulnerability-reporting").json() == {
        "enabled": False
    }
    denied = gh.post(url, json=report)
    assert denied.status_code == 403
    assert "private vulnerability reporting" in denied.json()["message"]
    assert gh.put(f"/repos/{OWNER}/app1/private-vulnerability-reporting").status_code == 204
    r = gh.post(url, json=report)
    assert r.status_code == 201 and r.json()["state"] == "triage"
    assert github_fake.state.repo(OWNER, "app1").advisories[0]["summary"] == "XSS in login"
    assert github_fake.state.issues(OWNER, "app1") == []


def test_private_repo_cannot_take_vulnerability_reports(github_fake, gh):
    github_fake.add_repo(OWNER, "secret-app", private=True)
    assert gh.put(f"/repos/{OWNER}/secret-app/private-vulnerability-reporting").status_code == 422
    r = gh.post(
        f"/repos/{OWNER}/secret-app/security-advisories/reports",
        json={"summary": "s", "description": "d"},
    )
    assert r.status_code == 403


# --- commits and contents ---------------------------------------------------------------------


def test_a_commit_by_sha_or_branch(github_fake, gh, repo):
    [commit] = github_fake.push(
        OWNER,
        "app1",
        [
            {
                "message": "docs",
                "files": {"docs/a.md": "a\n"},
                "author": {"name": "Ani", "email": "ani@example.org", "login": "ani"},
            }
        ],
    )
    url = f"/repos/{OWNER}/app1/commits"
    one = gh.get(f"{url}/{commit.sha}").json()
    assert one["files"][0]["filename"] == "docs/a.md" and one["author"]["login"] == "ani"
    assert gh.get(f"{url}/main").json()["sha"] == commit.sha
    assert gh.get(f"{url}/deadbeef00").status_code == 422


def test_contents(gh, repo):
    f = gh.get(f"/repos/{OWNER}/app1/contents/src/main.py").json()
    assert f["type"] == "file" and base64.b64decode(f["content"]) == b"print('hi')\n"
    d = gh.get(f"/repos/{OWNER}/app1/contents/src").json()
    assert [e["name"] for e in d] == ["main.py"]
    assert gh.get(f"/repos/{OWNER}/app1/contents/nope.txt").status_code == 404


# --- faults -----------------------------------------------------------------------------------


def test_5xx_for_the_next_n_requests(github_fake, gh, repo):
    github_fake.fail_next(2, status=502, method="POST", path=r"/issues$")
    assert gh.get(f"/repos/{OWNER}/app1").status_code == 200  # not matching
    statuses = [
        gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "x"}).status_code for _ in range(3)
    ]
    assert statuses == [502, 502, 201]
    assert len(github_fake.state.issues(OWNER, "app1")) == 1


def post_issue_with_short_timeout(fake: GitHubFake) -> None:
    headers = {"Authorization": "token test-token"}
    with (
        httpx.Client(base_url=fake.base_url, headers=headers, timeout=0.1) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post(f"/repos/{OWNER}/app1/issues", json={"title": "x"})


def test_timeout(github_fake, repo):
    github_fake.timeout_next(seconds=0.5, method="POST")
    post_issue_with_short_timeout(github_fake)
    assert github_fake.requests[-1].done.wait(5)  # the fake has given up on it too
    assert github_fake.state.issues(OWNER, "app1") == []


def test_timeout_that_still_applies(github_fake, repo):
    github_fake.timeout_next(seconds=0.3, apply=True, method="POST")
    post_issue_with_short_timeout(github_fake)
    assert github_fake.requests[-1].done.wait(5)
    assert len(github_fake.state.issues(OWNER, "app1")) == 1


def test_a_held_request_waits_until_the_test_releases_it(github_fake, repo):
    held = github_fake.hold_next(path=r"/issues$")
    post_issue_with_short_timeout(github_fake)  # the client gives up; GitHub still holds it
    assert held.wait_reached(5)
    assert github_fake.state.issues(OWNER, "app1") == []
    held.release()
    assert held.wait_applied(5)
    assert len(github_fake.state.issues(OWNER, "app1")) == 1


def test_secondary_rate_limit(github_fake, gh, repo):
    github_fake.secondary_rate_limit(retry_after=7)
    r = gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "x"})
    assert r.status_code == 403 and r.headers["retry-after"] == "7"
    assert "secondary rate limit" in r.json()["message"]
    assert gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "x"}).status_code == 201


def test_429(github_fake, gh, repo):
    github_fake.too_many_requests(retry_after=3)
    r = gh.get(f"/repos/{OWNER}/app1")
    assert r.status_code == 429 and r.headers["retry-after"] == "3"


def test_primary_rate_limit_used_up_by_requests(github_fake, gh, repo):
    github_fake._rate_entry("test-token")[0] = 4999
    assert gh.get(f"/repos/{OWNER}/app1").headers["x-ratelimit-remaining"] == "0"
    r = gh.get(f"/repos/{OWNER}/app1")
    assert r.status_code == 403 and "rate limit exceeded" in r.json()["message"]


def test_primary_rate_limit_exhausted(github_fake, gh, repo):
    limit = github_fake.exhaust_rate_limit(reset_in=1)
    r = gh.get(f"/repos/{OWNER}/app1")
    assert r.status_code == 403
    assert r.headers["x-ratelimit-remaining"] == "0"
    assert int(r.headers["x-ratelimit-reset"]) <= time.time() + 1
    assert gh.get(f"/repos/{OWNER}/app1").status_code == 403
    limit.reset_at = int(time.time())  # the reset time has come
    assert gh.get(f"/repos/{OWNER}/app1").status_code == 200


def test_lost_response_connection_closed(github_fake, gh, repo):
    github_fake.lose_next_response(path=r"/issues$")
    with pytest.raises(httpx.RemoteProtocolError):
        gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "x"})
    assert len(github_fake.state.issues(OWNER, "app1")) == 1
    assert github_fake.requests_to("POST", r"/issues$")[0].status is None


def test_lost_response_as_502(github_fake, gh, repo):
    github_fake.lose_next_response(mode="502")
    assert gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "x"}).status_code == 502
    assert github_fake.state.created["issue"] == 1


def test_faults_over_http_control(github_fake, gh, repo):
    r = gh.post("/_fake/faults", json={"kind": "error", "times": 1, "status": 503})
    assert r.status_code == 201
    assert gh.get(f"/repos/{OWNER}/app1").status_code == 503
    assert gh.get(f"/repos/{OWNER}/app1").status_code == 200
    assert not github_fake.violations  # control endpoints are not GitHub's


# --- webhooks ---------------------------------------------------------------------------------


def test_signature_matches_githubs_test_vector():
    assert signature("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_close_issue_sends_signed_webhooks(github_fake, gh, repo, hooked):
    gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "Bug", "labels": ["polise"]})
    github_fake.wait_for_deliveries()
    assert [r.json["action"] for r in hooked.received] == ["opened", "labeled"]
    hooked.received.clear()
    github_fake.close_issue(OWNER, "app1", 1, comment="Fixed in v2")
    events = [(r.headers["X-GitHub-Event"], r.json["action"]) for r in hooked.received]
    assert events == [("issue_comment", "created"), ("issues", "closed")]
    closed = hooked.received[1]
    verify(closed)
    assert closed.headers["User-Agent"].startswith("GitHub-Hookshot/")
    assert len(closed.headers["X-GitHub-Delivery"]) == 36
    assert closed.headers["X-GitHub-Hook-ID"] == str(github_fake.app.hook_id)
    assert closed.json["installation"]["id"] == 77
    assert closed.json["issue"]["state"] == "closed"
    assert hooked.received[0].json["comment"]["body"] == "Fixed in v2"
    assert all(d.ok for d in github_fake.deliveries)


def test_assign_label_reopen_webhooks(github_fake, gh, repo, hooked):
    gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "Bug"})
    github_fake.assign_issue(OWNER, "app1", 1, "dev1")
    github_fake.add_issue_labels(OWNER, "app1", 1, "in-progress")
    github_fake.close_issue(OWNER, "app1", 1)
    github_fake.reopen_issue(OWNER, "app1", 1)
    actions = [r.json["action"] for r in hooked.received]
    assert actions == ["opened", "assigned", "labeled", "closed", "reopened"]
    assert hooked.received[1].json["assignee"]["login"] == "dev1"
    assert hooked.received[2].json["label"]["name"] == "in-progress"


def test_redelivery_keeps_delivery_id(github_fake, gh, repo, hooked):
    hooked.status = 500
    gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "Bug"})
    [first] = github_fake.wait_for_deliveries()
    assert first.status == 500 and not first.ok
    hooked.status = 200
    again = github_fake.redeliver(first.guid)
    assert again.ok and again.redelivery
    assert [r.headers["X-GitHub-Delivery"] for r in hooked.received] == [first.guid, first.guid]
    assert hooked.received[0].body == hooked.received[1].body


def test_push_webhook(github_fake, repo, hooked):
    before = github_fake.state.repo(OWNER, "app1").branches["main"]
    [c1, c2] = github_fake.push(
        OWNER,
        "app1",
        [
            {"message": "feat: a", "files": {"a.txt": "a"}},
            {
                "message": "fix: b",
                "files": {"README.md": None},
                "author": {"name": "Ani", "email": "ani@example.org", "login": "ani"},
            },
        ],
    )
    [push] = hooked.received
    verify(push)
    payload = push.json
    assert push.headers["X-GitHub-Event"] == "push"
    assert payload["before"] == before and payload["after"] == c2.sha
    assert [c["id"] for c in payload["commits"]] == [c1.sha, c2.sha]
    assert payload["commits"][1]["removed"] == ["README.md"]
    assert payload["commits"][1]["author"]["username"] == "ani"
    assert payload["head_commit"]["id"] == c2.sha
    assert payload["created"] is False and payload["forced"] is False


def test_emitted_payloads_pass_and_a_broken_one_fails(github_fake, gh, repo, hooked):
    gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "Bug"})
    github_fake.close_issue(OWNER, "app1", 1, comment="done")
    schemas = github_fake.webhook_schemas
    for received in hooked.received:
        event = received.headers["X-GitHub-Event"]
        assert schemas.validate(event, received.json) == []
        broken = received.json
        del broken["issue"]["number"]
        assert any("number" in p for p in schemas.validate(event, broken))


def test_webhook_schema_catches_a_bad_payload(github_fake):
    schemas = github_fake.webhook_schemas
    good_event = {"zen": "z", "hook_id": 1, "hook": {}}
    assert schemas.validate("ping", good_event)  # hook lacks required fields
    problems = schemas.validate("issues", {"action": "closed", "issue": {}, "sender": {}})
    assert any("repository" in p for p in problems)


def test_webhook_to_unreachable_receiver_is_recorded(github_fake, gh, repo):
    github_fake.webhook_url = "http://127.0.0.1:9/hooks/github"
    github_fake.webhook_secret = "x"
    gh.post(f"/repos/{OWNER}/app1/issues", json={"title": "Bug"})
    [delivery] = github_fake.wait_for_deliveries()
    assert delivery.status is None and "Error" in delivery.error


# --- githubkit --------------------------------------------------------------------------------


def test_githubkit_with_token(github_fake, repo):
    from githubkit import GitHub, TokenAuthStrategy

    with GitHub(TokenAuthStrategy("test-token"), base_url=github_fake.base_url + "/") as g:
        assert g.rest.repos.get(OWNER, "app1").parsed_data.full_name == f"{OWNER}/app1"
        issue = g.rest.issues.create(
            OWNER, "app1", title="From githubkit", labels=["polise"]
        ).parsed_data
        assert issue.number == 1 and issue.labels[0].name == "polise"
        listed = g.rest.issues.list_for_repo(OWNER, "app1", state="all", per_page=10).parsed_data
        assert [i.title for i in listed] == ["From githubkit"]
        g.rest.issues.create_comment(OWNER, "app1", 1, body="hello")
        g.rest.issues.update(OWNER, "app1", 1, state="closed")
        head = g.rest.repos.get_commit(OWNER, "app1", "main").parsed_data
        assert head.commit.message == "Initial commit"
        key = g.rest.actions.get_repo_public_key(OWNER, "app1").parsed_data
        assert key.key_id


def test_githubkit_with_app_installation(github_fake, repo):
    from githubkit import AppInstallationAuthStrategy, GitHub
    from githubkit.cache import MemCacheStrategy

    auth = AppInstallationAuthStrategy(
        github_fake.app.app_id, github_fake.app.private_key_pem.decode(), 77
    )
    # a cache of its own, so this test really asks the fake for an installation token
    with GitHub(auth, base_url=github_fake.base_url + "/", cache_strategy=MemCacheStrategy()) as g:
        assert g.rest.repos.get(OWNER, "app1").parsed_data.name == "app1"
    [token_request] = github_fake.requests_to("POST", "/access_tokens$")
    assert token_request.status == 201
    repo_request = github_fake.requests_to("GET", f"^/repos/{OWNER}/app1$")[0]
    assert repo_request.headers["authorization"].startswith("token ghs_")


# --- standalone -------------------------------------------------------------------------------


def test_standalone_server(tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.github", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("GitHub fake listening on http://127.0.0.1:"), line
        base = line.split()[-1]
        with httpx.Client(base_url=base, headers={"Authorization": "token test-token"}) as c:
            assert c.get("/_fake/health").json()["ok"] is True
            c.post("/_fake/repos", json={"owner": OWNER, "name": "demo"})
            assert c.post(f"/repos/{OWNER}/demo/issues", json={"title": "x"}).status_code == 201
            closed = c.post(f"/_fake/repos/{OWNER}/demo/issues/1/close", json={"comment": "done"})
            assert closed.json()["state"] == "closed"
            assert c.get("/_fake/violations").json() == []
            c.get("/nope")
            assert len(c.get("/_fake/violations").json()) == 1
    finally:
        proc.terminate()
        proc.wait(5)
    assert "CONTRACT VIOLATION" in proc.stderr.read()
