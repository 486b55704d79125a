"""The forge's repository set-up calls, against the contract-checked GitHub fake."""

from __future__ import annotations

import pytest

from polise.forge import api
from polise.forge.errors import NotFound, PermanentForgeError
from polise.onboarding.delivery import seal


@pytest.fixture
def repo(forge):
    forge.state.user("diskominfo", "Organization")
    api.create_org_repo("diskominfo/simpeg", private=True, description="SIMPEG")
    return "diskominfo/simpeg"


def test_a_new_repository_gets_the_template_as_its_only_commit(forge, repo):
    before = api.get_repo_state(repo)
    assert before is not None and before.head_sha is not None  # GitHub's initial commit

    sha = api.replace_history_with(
        repo,
        branch="main",
        files={"README.md": "# SIMPEG\n", "polise.yaml": "name: simpeg\n"},
        message="Start SIMPEG from the Polise template",
        author={"name": "Polise", "email": "polise@example.go.id"},
    )

    state = forge.state.repo("diskominfo", "simpeg")
    head = state.head()
    assert head.sha == sha and head.parents == []
    assert head.files == {"README.md": b"# SIMPEG\n", "polise.yaml": b"name: simpeg\n"}
    after = api.get_repo_state(repo)
    assert after.head_sha == sha and after.head_message.startswith("Start SIMPEG")
    assert api.get_repo_state("diskominfo/nothing") is None


def test_a_name_that_is_taken_is_refused(forge, repo):
    with pytest.raises(PermanentForgeError, match="422"):
        api.create_org_repo(repo, private=True, description="again")


def test_developers_are_invited_and_pending_until_they_accept(forge, repo):
    forge.auto_accept_invitations = False
    try:
        assert api.add_collaborator(repo, "budi-dev", permission="push") is True
        assert api.add_collaborator(repo, "citra-vendor", permission="maintain") is True
        assert api.add_collaborator(repo, "budi-dev", permission="push") is True  # still open
        assert api.pending_invitations(repo) == {"budi-dev": "write", "citra-vendor": "maintain"}

        forge.state.accept_invitation("diskominfo", "simpeg", "budi-dev")

        assert api.pending_invitations(repo) == {"citra-vendor": "maintain"}
        assert api.add_collaborator(repo, "budi-dev", permission="push") is False
    finally:
        forge.auto_accept_invitations = True


def test_an_unknown_login_is_named(forge, repo):
    forge.state.unknown_logins.add("nobody-here")
    with pytest.raises(NotFound, match="no user 'nobody-here'"):
        api.add_collaborator(repo, "nobody-here", permission="push")
    assert api.user_exists("nobody-here") is False
    assert api.user_exists("budi-dev") is True


def test_actions_secrets_are_sealed_and_variables_set_twice_without_error(forge, repo):
    key_id, key = api.actions_public_key(repo)
    api.set_actions_secret(
        repo, "POLISE_DEPLOY_TOKEN", encrypted_value=seal("pdt_x", key), key_id=key_id
    )
    api.set_actions_variable(repo, "POLISE_URL", value="https://polise.apps.lan")
    api.set_actions_variable(repo, "POLISE_URL", value="https://portal.apps.lan")

    state = forge.state.repo("diskominfo", "simpeg")
    assert state.secrets["POLISE_DEPLOY_TOKEN"].value == b"pdt_x"
    assert state.variables["POLISE_URL"].value == "https://portal.apps.lan"


def test_one_webhook_per_url_with_the_latest_secret(forge, repo):
    url = "https://polise.apps.lan/hooks/github"
    first = api.ensure_hook(repo, url=url, events=["push", "issues"], secret="one")
    second = api.ensure_hook(repo, url=url, events=["push", "issues"], secret="two")

    hooks = forge.state.repo("diskominfo", "simpeg").hooks
    assert first == second and list(hooks) == [first]
    assert hooks[first].config["secret"] == "two"
    assert hooks[first].config["content_type"] == "json"


def test_protection_and_private_vulnerability_reporting(forge, repo):
    api.protect_branch(repo, "main", required_checks=["deploy"])
    state = forge.state.repo("diskominfo", "simpeg")
    rules = state.protections["main"]
    assert rules["required_status_checks"]["contexts"] == ["deploy"]
    assert rules["allow_force_pushes"] is False

    with pytest.raises(PermanentForgeError):  # private repositories cannot take reports
        api.enable_private_vulnerability_reporting(repo)
    state.private = False
    api.enable_private_vulnerability_reporting(repo)
    assert state.private_vulnerability_reporting is True
