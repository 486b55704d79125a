"""Reading contribution figures: periods, developers behind identities, the work weight.

The work weight of a developer on an app in a period:

    score = Σ_term weight_term * log2(1 + count_term)
    share = score / Σ scores of everyone on the app in the period

with terms: commits (authored + co-authored), and lines (added + removed) of code, usage
docs, database docs, tests and excluded files. The log keeps one generated dump from
dominating; the weights are the platform team's (`Weights`, defaults in
docs/contributions.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from polise.accounts.models import Developer, GitEmail
from polise.catalog.models import App

from .classify import CATEGORIES
from .models import (
    CATEGORY_LABELS,
    COUNT_FIELDS,
    DailyContribution,
    ForgeActivity,
    Identity,
    Weights,
)

PERIODS = {
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
    "all": _("All time"),
}
FORGE_KINDS = [kind.value for kind in ForgeActivity.Kind]
TERMS = ("commits", *CATEGORIES, *FORGE_KINDS)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date | None  # None: all time
    end: date | None  # exclusive

    @property
    def label(self) -> str:
        if self.start is None:
            return str(PERIODS["all"])
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        if self.kind == "quarter":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def param(self) -> str:
        return self.start.isoformat() if self.start else ""

    def previous(self) -> Period | None:
        return period_for(self.kind, self.start - timedelta(days=1)) if self.start else None

    def next(self) -> Period | None:
        return period_for(self.kind, self.end) if self.end else None

    def filter(self) -> Q:
        q = Q()
        if self.start:
            q &= Q(day__gte=self.start)
        if self.end:
            q &= Q(day__lt=self.end)
        return q


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def period_for(kind: str, at: date) -> Period:
    """The period of `kind` (month, quarter, year, all) that holds the day `at`."""
    if kind == "month":
        start = at.replace(day=1)
        return Period(kind, start, _add_months(start, 1))
    if kind == "quarter":
        start = date(at.year, (at.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, start, _add_months(start, 3))
    if kind == "year":
        return Period(kind, date(at.year, 1, 1), date(at.year + 1, 1, 1))
    return Period("all", None, None)


def weights() -> Weights:
    return Weights.objects.order_by("pk").first() or Weights()


def developers_for(identities: Iterable[Identity]) -> dict[int, Developer]:
    """The developer behind each identity: the platform team's assignment first, then the
    catalog's git e-mails, then the GitHub login of a noreply address."""
    identities = list(identities)
    found: dict[int, Developer] = {}
    by_email = {
        email.lower(): developer
        for email, developer in (
            (row.email, row.developer)
            for row in GitEmail.objects.select_related("developer__user").filter(
                email__in=[i.email for i in identities]
            )
        )
    }
    logins = {i.github_login.lower() for i in identities if i.github_login}
    by_login = {
        d.login_lower: d
        for d in Developer.objects.select_related("user")
        .annotate(login_lower=Lower("github_login"))
        .filter(login_lower__in=logins)
    }
    assigned = {
        d.pk: d
        for d in Developer.objects.select_related("user").filter(
            pk__in={i.developer_id for i in identities if i.developer_id}
        )
    }
    for identity in identities:
        developer = (
            assigned.get(identity.developer_id or 0)
            or by_email.get(identity.email)
            or by_login.get(identity.github_login.lower() if identity.github_login else "")
        )
        if developer is not None:
            found[identity.pk] = developer
    return found


@dataclass
class Term:
    name: str
    label: str
    count: int
    weight: float

    @property
    def log(self) -> float:
        return math.log2(1 + self.count)

    @property
    def value(self) -> float:
        return self.weight * self.log


@dataclass
class Row:
    """One developer (or an identity no developer is known for) on one app in one period."""

    key: str
    developer: Developer | None
    identities: list[Identity] = field(default_factory=list)
    login: str = ""  # a GitHub login with pull requests or reviews and no developer
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys([*COUNT_FIELDS, *FORGE_KINDS], 0)
    )
    terms: list[Term] = field(default_factory=list)
    share: float = 0.0

    @property
    def label(self) -> str:
        if self.developer is not None:
            user = self.developer.user
            return user.get_full_name() or self.developer.github_login
        return str(self.identities[0]) if self.identities else f"@{self.login}"

    @property
    def short_label(self) -> str:
        """Without the e-mail (for narrow places)."""
        if self.developer is not None or not self.identities:
            return self.label
        return self.identities[0].name or self.identities[0].email.split("@")[0]

    @property
    def commits(self) -> int:
        return self.counts["authored"] + self.counts["co_authored"]

    @property
    def score(self) -> float:
        return sum(term.value for term in self.terms)

    def lines(self, category: str) -> tuple[int, int]:
        return self.counts[f"{category}_added"], self.counts[f"{category}_removed"]

    @property
    def categories(self) -> list[dict[str, Any]]:
        return [
            {
                "name": c,
                "label": CATEGORY_LABELS[c],
                "added": self.counts[f"{c}_added"],
                "removed": self.counts[f"{c}_removed"],
            }
            for c in CATEGORIES
        ]


def _weigh(rows: list[Row], formula: Weights) -> list[Row]:
    for row in rows:
        row.terms = [Term("commits", str(_("Commits")), row.commits, formula.commits)]
        for category in CATEGORIES:
            added, removed = row.lines(category)
            row.terms.append(
                Term(
                    category,
                    str(CATEGORY_LABELS[category]),
                    added + removed,
                    getattr(formula, category),
                )
            )
        for kind in ForgeActivity.Kind:
            row.terms.append(
                Term(
                    kind.value,
                    str(kind.label),
                    row.counts[kind.value],
                    getattr(formula, kind.value),
                )
            )
    total = sum(row.score for row in rows)
    for row in rows:
        row.share = row.score / total if total else 0.0
    return sorted(rows, key=lambda r: (-r.score, r.label.lower()))


def _per_identity(filters: Q) -> dict[int, dict[str, int]]:
    sums = (
        DailyContribution.objects.filter(filters)
        .values("identity_id")
        .annotate(**{f"s_{name}": Sum(name) for name in COUNT_FIELDS})
    )
    return {row["identity_id"]: {n: row[f"s_{n}"] or 0 for n in COUNT_FIELDS} for row in sums}


def app_figures(*, app: App, period: Period) -> list[Row]:
    """Every developer's (and unmapped identity's) figures and work weight on `app`."""
    per_identity = _per_identity(Q(app=app) & period.filter())
    identities = list(Identity.objects.filter(pk__in=per_identity))
    developers = developers_for(identities)
    rows: dict[str, Row] = {}
    for identity in identities:
        developer = developers.get(identity.pk)
        key = f"d{developer.pk}" if developer else f"i{identity.pk}"
        row = rows.setdefault(key, Row(key=key, developer=developer))
        row.identities.append(identity)
        for name, value in per_identity[identity.pk].items():
            row.counts[name] += value
    _add_forge_activity(rows, app=app, period=period)
    return _weigh(list(rows.values()), weights())


def _add_forge_activity(rows: dict[str, Row], *, app: App, period: Period) -> None:
    """Pull requests and reviews, on the row of the developer with that GitHub login."""
    counts = list(
        ForgeActivity.objects.filter(Q(app=app) & period.filter())
        .values("login", "kind")
        .annotate(n=Count("pk"))
    )
    if not counts:
        return
    developers = {
        d.login_lower: d
        for d in Developer.objects.select_related("user")
        .annotate(login_lower=Lower("github_login"))
        .filter(login_lower__in={c["login"] for c in counts})
    }
    for entry in counts:
        developer = developers.get(entry["login"])
        key = f"d{developer.pk}" if developer else f"g{entry['login']}"
        row = rows.setdefault(key, Row(key=key, developer=developer, login=entry["login"]))
        row.counts[entry["kind"]] += entry["n"]


def developer_figures(*, developer: Developer, apps: Iterable[App]) -> list[tuple[App, Row]]:
    """One developer's figures and share on each of `apps` (all time), where they have any."""
    found = []
    for app in apps:
        for row in app_figures(app=app, period=period_for("all", date.today())):
            if row.developer is not None and row.developer.pk == developer.pk:
                found.append((app, row))
    return found


def unmapped_identities() -> list[Identity]:
    identities = list(Identity.objects.all())
    known = developers_for(identities)
    return [i for i in identities if i.pk not in known]


def chart_series(*, app: App, period: Period) -> list[tuple[str, dict[str, int]]]:
    """Lines (added + removed) by category per bucket: days of a month, months otherwise."""
    rows = DailyContribution.objects.filter(Q(app=app) & period.filter()).values(
        "day", *(f"{c}_{s}" for c in CATEGORIES for s in ("added", "removed"))
    )
    buckets: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CATEGORIES, 0))
    for row in rows:
        day: date = row["day"]
        label = day.isoformat() if period.kind == "month" else day.strftime("%Y-%m")
        for c in CATEGORIES:
            buckets[label][c] += row[f"{c}_added"] + row[f"{c}_removed"]
    if period.kind == "month" and period.start and period.end:
        days = (period.end - period.start).days
        labels = [(period.start + timedelta(days=i)).isoformat() for i in range(days)]
    elif buckets:
        first, last = min(buckets), max(buckets)
        if period.start and period.end:
            first = period.start.strftime("%Y-%m")
            last = (period.end - timedelta(days=1)).strftime("%Y-%m")
        labels, month = [], date.fromisoformat(first + "-01")
        while month.strftime("%Y-%m") <= last:
            labels.append(month.strftime("%Y-%m"))
            month = _add_months(month, 1)
    else:
        labels = []
    return [(label, buckets.get(label) or dict.fromkeys(CATEGORIES, 0)) for label in labels]
