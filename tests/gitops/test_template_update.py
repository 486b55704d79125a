"""`polise template update` from an older template version onto a repo with local changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from polise.gitops.cli import main
from polise.gitops.lint import LintOptions, lint_paths
from polise.gitops.render import TemplateError, render_new, rendered_version, update
from polise.gitops.template_repo import build_template_repo, current_version, versions


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.org", "-C", str(repo), *args],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


@pytest.fixture
def old_repo(tmp_path: Path) -> Path:
    """A python repo rendered from 1.0.0, committed, then changed and committed by its team."""
    repo = tmp_path / "simpeg"
    assert render_new(repo, tech="python", name="simpeg", version="1.0.0") == "1.0.0"
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "Rendered from Polise templates 1.0.0")
    stack = repo / "docker-stack.yml"
    stack.write_text(stack.read_text().replace("replicas: 2", "replicas: 3"))
    main_py = repo / "app/main.py"
    main_py.write_text(
        main_py.read_text()
        + '\n\n@app.get("/pegawai")\ndef pegawai() -> list[str]:\n    return []\n'
    )
    usage = repo / "docs/usage/README.md"
    usage.write_text(usage.read_text() + "\n## Mengisi data pegawai\n\n1. Buka menu Pegawai.\n")
    (repo / "app/models.py").write_text("PEGAWAI_FIELDS = ('nip', 'nama')\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "feat: daftar pegawai")
    return repo


def test_history_rebuilds_every_version_as_a_tag(tmp_path):
    repo = build_template_repo(tmp_path / "templates")
    tags = _git(repo, "tag", "--list").split()
    assert tags == [v.version for v in versions()]
    assert len(tags) >= 2
    # The same package always builds the same commits, so recorded `_commit`s stay valid.
    again = build_template_repo(tmp_path / "again")
    assert _git(repo, "rev-parse", tags[-1]) == _git(again, "rev-parse", tags[-1])


def test_old_version_is_what_the_patch_says(old_repo):
    stack = yaml.safe_load((old_repo / "docker-stack.yml").read_text())
    assert "rollback_config" not in stack["services"]["web"]["deploy"]
    assert not (old_repo / ".github/ISSUE_TEMPLATE/permintaan-fitur.yml").exists()
    # Before 1.2.0 the deploy step gave the stack file without -c (now deprecated).
    workflow = (old_repo / ".github/workflows/deploy.yml").read_text()
    assert "run: polise deploy --app simpeg docker-stack.yml" in workflow
    # 1.0.0 predates the rollback rules: today's lint says so.
    ids = {f.rule.id for f in lint_paths([old_repo], LintOptions(actionlint="off"))}
    assert {"PLS106", "PLS107", "PLS103"} <= ids


def test_update_applies_cleanly_and_keeps_local_changes(old_repo):
    result = update(old_repo)
    assert (result.old_version, result.new_version) == ("1.0.0", current_version())
    assert result.conflicts == []
    assert rendered_version(old_repo) == current_version()

    stack_text = (old_repo / "docker-stack.yml").read_text()
    stack = yaml.safe_load(stack_text)
    deploy = stack["services"]["web"]["deploy"]
    assert deploy["rollback_config"]["failure_action"] == "pause"  # from the template
    assert deploy["update_config"]["monitor"] == "60s"  # from the template
    assert deploy["replicas"] == 3  # the team's own change survived
    assert (old_repo / ".github/ISSUE_TEMPLATE/permintaan-fitur.yml").is_file()
    assert "/docs/" in (old_repo / ".github/CODEOWNERS").read_text()
    assert "def pegawai" in (old_repo / "app/main.py").read_text()
    assert "Mengisi data pegawai" in (old_repo / "docs/usage/README.md").read_text()
    workflow = (old_repo / ".github/workflows/deploy.yml").read_text()
    assert "run: polise deploy --app simpeg -c docker-stack.yml" in workflow
    assert (old_repo / "app/models.py").is_file()
    assert not list(old_repo.rglob("*.rej"))
    assert lint_paths([old_repo], LintOptions(actionlint="off")) == []


def test_update_refuses_a_dirty_repo(old_repo):
    (old_repo / "README.md").write_text("belum di-commit\n")
    with pytest.raises(TemplateError, match="dirty"):
        update(old_repo)


def test_cli_update_reports_versions(old_repo, capsys):
    assert main(["template", "update", str(old_repo)]) == 0
    assert f"1.0.0 -> {current_version()}" in capsys.readouterr().out


def test_update_reports_conflicts(old_repo):
    # A local edit on the very lines the newer template rewrites cannot merge by itself.
    stack = old_repo / "docker-stack.yml"
    stack.write_text(stack.read_text().replace("monitor: 30s", "monitor: 45s"))
    _git(old_repo, "commit", "-qam", "tune monitor")
    result = update(old_repo)
    assert result.conflicts == ["docker-stack.yml"]
