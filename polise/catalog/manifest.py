"""Catalog-as-code: an app's `polise.yaml` (rendered by the GitOps templates, with its JSON
Schema) is the source of truth for its catalog entry. Read at a commit of the default branch,
checked, and applied whole, or not at all: a file with any problem leaves the entry as it was
and the problems are recorded for the owners to be told."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema
import yaml
from django.db import transaction

from polise.accounts.models import Developer, OrgUnit
from polise.gitops.lint.manifest import manifest_schema_text

from .models import App

MANIFEST_PATH = "polise.yaml"
# Catalog fields polise.yaml sets, in the order the admin shows them.
REPO_FIELDS = (
    "name",
    "summary",
    "description",
    "url",
    "technology",
    "owner_unit",
    "owners",
    "usage_docs_path",
    "database_docs_path",
    "news_rules",
    "placement",
    "lifecycle",
)


@dataclass(frozen=True)
class ManifestOutcome:
    applied: bool
    problems: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(manifest_schema_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def manifest_problems(text: str, *, app: App) -> tuple[dict[str, Any], list[str]]:
    """The parsed file and what is wrong with it for `app` (nothing: it can be applied)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return {}, [f"{MANIFEST_PATH} is not valid YAML: {exc}"]
    if data is None:
        return {}, [f"{MANIFEST_PATH} is missing or empty at this commit"]
    if not isinstance(data, dict):
        return {}, [f"{MANIFEST_PATH} must be a mapping of fields (name: ..., title: ...)"]
    problems = [
        f"{'.'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
        for error in sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        return data, problems
    if data["name"] != app.slug:
        problems.append(
            f"name: is {data['name']!r}, but this repository belongs to the app {app.slug!r}; "
            "a rename is done by the platform team"
        )
    team = data["owners"]["team"]
    if not OrgUnit.objects.filter(slug=team).exists():
        problems.append(f"owners.team: Polise has no org unit {team!r}")
    return data, problems


def _values(data: dict[str, Any]) -> dict[str, Any]:
    docs = data["docs"]
    return {
        "name": data["title"],
        "summary": data["summary"],
        "description": data.get("description", ""),
        "url": data.get("url", ""),
        "technology": data["technology"],
        "owner_unit": OrgUnit.objects.get(slug=data["owners"]["team"]),
        "usage_docs_path": docs["usage"],
        "database_docs_path": docs["database"],
        "news_rules": data.get("news") or {},
        "placement": data["placement"],
        "lifecycle": data.get("lifecycle", "active"),
    }


def _owners(data: dict[str, Any]) -> list[int]:
    """Polise users behind the file's GitHub owners (teams like @org/team are skipped)."""
    logins = [
        entry.lstrip("@")
        for entry in data["owners"].get("github", [])
        if "/" not in entry.lstrip("@")
    ]
    return list(Developer.objects.filter(github_login__in=logins).values_list("user_id", flat=True))


def app_apply_manifest(*, app: App, text: str, commit: str) -> ManifestOutcome:
    """Apply `polise.yaml` as read at `commit`, or record why not (the entry stays as it was).

    Safe to repeat: the same commit applies the same values again. A commit older than the
    one applied is not for this function to judge: the caller hands it the pushed head.
    """
    data, problems = manifest_problems(text, app=app)
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        if problems:
            App.objects.filter(pk=app.pk).update(
                manifest_problem="\n".join(problems), manifest_problem_commit=commit
            )
            return ManifestOutcome(applied=False, problems=problems)
        values = _values(data)
        changed = [name for name, value in values.items() if getattr(app, name) != value]
        for name, value in values.items():
            setattr(app, name, value)
        app.repo_fields = list(REPO_FIELDS)
        app.manifest_commit = commit
        app.manifest_problem = ""
        app.manifest_problem_commit = ""
        app.save()
        owners = _owners(data)
        # Owners come from the file once it names someone Polise knows; a file that names
        # nobody known does not leave the app without owners.
        if owners and sorted(app.owners.values_list("pk", flat=True)) != sorted(owners):
            app.owners.set(owners)
            changed.append("owners")
    return ManifestOutcome(applied=True, changed=changed)
