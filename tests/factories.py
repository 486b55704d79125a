"""Small helpers that make valid test data with sensible defaults; override what a test cares about."""

from __future__ import annotations

import itertools

from polise.accounts.models import Developer, GitEmail, OrgUnit, User
from polise.catalog.models import App, Technology

_seq = itertools.count(1)


def make_unit(**fields) -> OrgUnit:
    n = next(_seq)
    fields.setdefault("slug", f"unit-{n}")
    fields.setdefault("name", f"Unit {n}")
    return OrgUnit.objects.create(**fields)


def make_user(**fields) -> User:
    n = next(_seq)
    fields.setdefault("username", f"user{n}")
    fields.setdefault("email", f"user{n}@example.go.id")
    password = fields.pop("password", None)
    user = User.objects.create_user(password=password, **fields)
    return user


def make_developer(*, emails: tuple[str, ...] = (), **fields) -> Developer:
    user = fields.pop("user", None) or make_user()
    fields.setdefault("github_login", f"dev-{user.username}")
    developer = Developer.objects.create(user=user, **fields)
    for email in emails:
        GitEmail.objects.create(developer=developer, email=email)
    return developer


def make_app(**fields) -> App:
    n = next(_seq)
    owners = fields.pop("owners", ())
    fields.setdefault("slug", f"app-{n}")
    fields.setdefault("name", f"App {n}")
    fields.setdefault("summary", f"What app {n} is for.")
    fields.setdefault("url", f"https://app-{n}.apps.example.go.id/")
    fields.setdefault("repo", f"pemprov-demo/app-{n}")
    fields.setdefault("technology", Technology.PYTHON)
    if "owner_unit" not in fields:
        fields["owner_unit"] = make_unit()
    app = App.objects.create(**fields)
    if owners:
        app.owners.set(owners)
    return app
