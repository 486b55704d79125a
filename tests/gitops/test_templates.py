"""Every template renders for every option set, and what it renders passes `polise lint`."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml

from polise.gitops.lint import LintOptions, lint_paths
from polise.gitops.lint.actionlint import run_actionlint
from polise.gitops.render import TemplateError, render_new
from polise.gitops.template_repo import current_version

TECH_VARIANTS = [("python", "fastapi"), ("python", "django"), ("node", None), ("php", None),
                 ("go", None), ("static", None)]  # fmt: skip
OPTION_SETS = [
    {"placement": placement, "sso": sso, "database": database}
    for placement, sso, database in itertools.product(
        ["app", "dedicated"], ["forward_auth", "oidc", "none"], ["none", "postgresql", "mysql"]
    )
]
# A static site has no server side, so no database question.
COMBOS = [
    (tech, fw, opts)
    for (tech, fw), opts in itertools.product(TECH_VARIANTS, OPTION_SETS)
    if not (tech == "static" and opts["database"] != "none")
]


def _combo_id(combo: tuple[str, str | None, dict[str, str]]) -> str:
    tech, fw, opts = combo
    return "-".join([tech, *([fw] if fw else []), *opts.values()])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All option sets of all templates, rendered once for the module."""
    base = tmp_path_factory.mktemp("rendered")
    repos = {}
    for combo in COMBOS:
        tech, fw, opts = combo
        # A dedicated app must be one the platform config reserves a node for (awdi).
        name = "awdi" if opts["placement"] == "dedicated" else f"demo-{tech}"
        data = {**opts, **({"framework": fw} if fw else {})}
        dest = base / _combo_id(combo)
        render_new(dest, tech=tech, name=name, data=data, init_git=False, versioned=False)
        repos[_combo_id(combo)] = dest
    return repos


@pytest.mark.parametrize("combo", COMBOS, ids=[_combo_id(c) for c in COMBOS])
def test_rendered_repo_is_complete_and_lints_clean(combo, rendered):
    tech, _fw, opts = combo
    repo = rendered[_combo_id(combo)]
    for required in [
        "Dockerfile", "docker-stack.yml", ".github/workflows/deploy.yml", "docs/usage/README.md",
        "docs/database/README.md", "SECURITY.md", ".github/CODEOWNERS", "polise.yaml",
        ".polise/polise.schema.json", ".github/ISSUE_TEMPLATE/laporan-masalah.yml",
        ".copier-answers.yml",
    ]:  # fmt: skip
        assert (repo / required).is_file(), required
    findings = lint_paths([repo], LintOptions(actionlint="off"))
    assert [f"{f.rule.id} {f.path}:{f.line} {f.message_en}" for f in findings] == []

    manifest = yaml.safe_load((repo / "polise.yaml").read_text())
    assert manifest["technology"] == tech
    assert manifest["placement"] == opts["placement"]
    assert manifest["sso"] == opts["sso"]
    stack = yaml.safe_load((repo / "docker-stack.yml").read_text())
    labels = stack["services"]["web"]["deploy"]["labels"]
    assert any("middlewares" in k for k in labels) == (opts["sso"] == "forward_auth")
    role = "awdi" if opts["placement"] == "dedicated" else "app"
    assert stack["services"]["web"]["deploy"]["placement"]["constraints"] == [
        f"node.labels.role == {role}"
    ]
    assert ("database_password" in stack.get("secrets", {})) == (opts["database"] != "none")


@pytest.mark.parametrize(
    "tech,fw", TECH_VARIANTS, ids=[f"{t}-{f}" if f else t for t, f in TECH_VARIANTS]
)
def test_dockerfile_is_multistage_nonroot_with_healthcheck_and_base_arg(tech, fw, rendered):
    repo = rendered[_combo_id((tech, fw, OPTION_SETS[0]))]
    dockerfile = (repo / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert len(froms) >= 2, "multi-stage"
    assert all(f.startswith("${") for f in froms), "every base image comes from a build ARG"
    assert re.search(r"^ARG BASE_IMAGE=\S+", dockerfile, re.M)
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and not user[-1].startswith(("root", "0")), "runs as non-root"
    assert re.search(r"^HEALTHCHECK .*CMD \[", dockerfile, re.M)


@pytest.mark.parametrize(
    "tech,fw", TECH_VARIANTS, ids=[f"{t}-{f}" if f else t for t, f in TECH_VARIANTS]
)
def test_minimal_app_answers_healthz(tech, fw, rendered):
    repo = rendered[_combo_id((tech, fw, OPTION_SETS[0]))]
    app_files = {
        ("python", "fastapi"): "app/main.py",
        ("python", "django"): "app/urls.py",
        ("node", None): "src/server.js",
        ("php", None): "public/index.php",
        ("go", None): "main.go",
    }
    if tech == "static":
        assert "/out/healthz" in (repo / "Dockerfile").read_text()
        assert (repo / "site/index.html").is_file()
        return
    source = (repo / app_files[(tech, fw)]).read_text()
    assert "healthz" in source
    if fw == "django":
        assert (repo / "manage.py").is_file() and not (repo / "app/main.py").exists()
    if fw == "fastapi":
        assert not (repo / "manage.py").exists()


def test_python_app_compiles(rendered):
    for fw in ("fastapi", "django"):
        repo = rendered[_combo_id(("python", fw, OPTION_SETS[0]))]
        for source in repo.rglob("*.py"):
            compile(source.read_text(), str(source), "exec")


def test_rendered_workflows_pass_actionlint(rendered, actionlint):
    workflows = {
        str(repo / ".github/workflows/deploy.yml"): (
            repo / ".github/workflows/deploy.yml"
        ).read_text()
        for repo in rendered.values()
    }
    # Identical files need linting once; the variants differ in secrets and names only.
    unique = {text: path for path, text in workflows.items()}
    assert len(unique) >= 3
    results = run_actionlint([(path, text) for text, path in unique.items()])
    assert results == []


def test_rendered_workflow_pins_actions_and_runs_lint_then_deploy(rendered):
    text = (next(iter(rendered.values())) / ".github/workflows/deploy.yml").read_text()
    for uses in re.findall(r"uses: (\S+)", text):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses)
    assert text.index("polise lint") < text.index("polise deploy")


def test_new_records_current_version_and_refuses_bad_input(tmp_path):
    assert render_new(tmp_path / "a", tech="go", name="kiosk", init_git=False) == current_version()
    with pytest.raises(TemplateError, match="unknown technology"):
        render_new(tmp_path / "b", tech="cobol", name="kiosk")
    with pytest.raises(TemplateError, match="lowercase"):
        render_new(tmp_path / "c", tech="go", name="Kiosk_App")
    with pytest.raises(TemplateError, match="not empty"):
        render_new(tmp_path / "a", tech="go", name="kiosk")
