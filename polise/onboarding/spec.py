"""What an onboarding asks for, checked field by field: the same rules for the form and for
`polise onboard FILE.yaml`. Every problem is reported at once, against its field, in words
the platform team can act on; nothing is stored until the whole request is valid."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from polise.accounts.models import OrgUnit, github_login_validator
from polise.catalog.models import Placement, Technology, repo_validator

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,62}[a-z0-9]$")
ENGINES = ("postgresql", "mysql")
DELIVERIES = ("actions", "docker")
# Template questions Polise answers itself from the form's own fields.
ANSWERED_BY_POLISE = {"tech", "name", "title", "summary", "placement", "database", "team"}
FIELDS = [
    "name",
    "title",
    "summary",
    "owner_unit",
    "technology",
    "template_options",
    "developers",
    "maintainers",
    "placement",
    "databases",
    "bucket",
    "url",
    "repo",
    "private",
    "delivery",
]


class OnboardingInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class OnboardingRequest:
    name: str
    title: str
    summary: str
    owner_unit: str  # org unit slug
    technology: str
    repo: str
    url: str
    placement: str = Placement.APP
    template_options: dict[str, str] = field(default_factory=dict)
    developers: tuple[str, ...] = ()  # GitHub logins: push
    maintainers: tuple[str, ...] = ()  # GitHub logins: maintain
    databases: tuple[str, ...] = ()
    bucket: bool = False
    private: bool = True
    delivery: str = "actions"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("developers", "maintainers", "databases"):
            data[key] = list(data[key])
        return data

    @property
    def database_name(self) -> str:
        return self.name.replace("-", "_")

    @property
    def bucket_name(self) -> str:
        return self.name

    def template_answers(self) -> dict[str, str]:
        """The copier answers for this app's first commit."""
        return {
            **self.template_options,
            "title": self.title,
            "summary": self.summary,
            "placement": self.placement,
            "team": self.owner_unit,
            "database": self.databases[0] if self.databases else "none",
        }


@cache
def template_questions() -> dict[str, dict[str, Any]]:
    """The questions of the GitOps templates (polise.gitops), from their copier.yml."""
    import polise.gitops

    path = Path(polise.gitops.__file__).parent / "templates" / "copier.yml"
    data = yaml.safe_load(path.read_text())
    return {k: v for k, v in data.items() if not k.startswith("_") and isinstance(v, dict)}


def _logins(raw: Any, what: str, errors: dict[str, str]) -> tuple[str, ...]:
    if raw in (None, ""):
        return ()
    items = raw.split() if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        errors[what] = _("Give GitHub logins as a list (or separated by spaces).")
        return ()
    logins = tuple(dict.fromkeys(i.strip().lstrip("@") for i in items if i.strip()))
    for login in logins:
        try:
            github_login_validator(login)
        except ValidationError:
            errors[what] = _("%(login)s is not a GitHub login.") % {"login": login}
    return logins


def _flag(raw: Any, default: bool) -> bool:
    if raw in (None, ""):
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def parse(data: dict[str, Any]) -> OnboardingRequest:
    """An OnboardingRequest from a form's or a YAML file's fields, or OnboardingInvalid."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        errors["__all__"] = _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}

    def text(key: str) -> str:
        value = data.get(key)
        return str(value).strip() if value is not None else ""

    name = text("name")
    if not NAME_RE.match(name):
        errors["name"] = _(
            "Use 3-64 lower-case letters, digits and '-', starting with a letter: it becomes "
            "the repository, stack, image and host name."
        )
    title = text("title")
    if not title:
        errors["title"] = _("Give the app's name as users know it.")
    summary = text("summary")
    if not summary or len(summary) > 200:
        errors["summary"] = _("Say in one sentence (at most 200 characters) what the app is for.")
    unit = text("owner_unit")
    if not OrgUnit.objects.filter(slug=unit).exists():
        errors["owner_unit"] = _("There is no org unit %(unit)r in Polise.") % {"unit": unit}
    technology = text("technology")
    if technology not in Technology.values:
        errors["technology"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(Technology.values)
        }
    placement = text("placement") or Placement.APP
    if placement not in Placement.values:
        errors["placement"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(Placement.values)
        }

    options = data.get("template_options") or {}
    if not isinstance(options, dict):
        errors["template_options"] = _("Give template options as name: value pairs.")
        options = {}
    options = {str(k): str(v) for k, v in options.items()}
    questions = template_questions()
    for key, value in options.items():
        question = questions.get(key)
        if question is None or key in ANSWERED_BY_POLISE:
            offered = sorted(set(questions) - ANSWERED_BY_POLISE - {"tech"})
            errors["template_options"] = _(
                "The templates have no option %(option)r; they offer: %(offered)s."
            ) % {"option": key, "offered": ", ".join(offered)}
            break
        if key == "framework" and technology != Technology.PYTHON:
            errors["template_options"] = _("Only the Python template has a framework option.")
            break
        if question.get("choices") and value not in question["choices"]:
            errors["template_options"] = _("%(option)s must be one of: %(choices)s.") % {
                "option": key,
                "choices": ", ".join(question["choices"]),
            }
            break

    developers = _logins(data.get("developers"), "developers", errors)
    maintainers = _logins(data.get("maintainers"), "maintainers", errors)
    if not developers and not maintainers and "developers" not in errors:
        errors["developers"] = _("Name at least one developer's GitHub login.")

    raw_databases = data.get("databases") or []
    if isinstance(raw_databases, str):
        raw_databases = raw_databases.replace(",", " ").split()
    databases = tuple(dict.fromkeys(str(d).strip().lower() for d in raw_databases))
    if any(d not in ENGINES for d in databases):
        errors["databases"] = _("Databases are postgresql and/or mysql.")
    elif databases and technology == Technology.STATIC:
        errors["databases"] = _("A static site has no database; choose another technology.")

    domain = options.get("domain") or str(questions.get("domain", {}).get("default", "apps.lan"))
    url = text("url") or (f"https://{name}.{domain}" if name else "")
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        errors["url"] = _("Give the public URL, e.g. https://simpeg.apps.lan.")

    org = settings.ONBOARDING_GITHUB_ORG
    repo = text("repo") or (f"{org}/{name}" if org and name else "")
    try:
        repo_validator(repo)
    except ValidationError:
        errors["repo"] = _("Write the repository as organisation/name, e.g. diskominfo/simpeg.")

    delivery = text("delivery") or "actions"
    if delivery not in DELIVERIES:
        errors["delivery"] = _(
            "Passwords go to GitHub Actions secrets (actions) or Swarm (docker)."
        )

    if errors:
        raise OnboardingInvalid(errors)
    return OnboardingRequest(
        name=name,
        title=title,
        summary=summary,
        owner_unit=unit,
        technology=technology,
        repo=repo,
        url=url,
        placement=placement,
        template_options=options,
        # Someone named in both lists gets the higher permission.
        developers=tuple(d for d in developers if d not in maintainers),
        maintainers=maintainers,
        databases=databases,
        bucket=_flag(data.get("bucket"), False),
        private=_flag(data.get("private"), True),
        delivery=delivery,
    )


def from_json(data: dict[str, Any]) -> OnboardingRequest:
    """A stored request (Onboarding.spec) back as an OnboardingRequest."""
    return OnboardingRequest(
        **{
            **data,
            "developers": tuple(data["developers"]),
            "maintainers": tuple(data["maintainers"]),
            "databases": tuple(data["databases"]),
        }
    )
