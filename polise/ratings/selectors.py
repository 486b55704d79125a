"""Reads: who may rate, the live version, and the figures, each computed in the database.

The weighted average of a dimension is Bayesian (as IMDb's rating): an app starts with m
ratings at the portal-wide mean C of that dimension, so that
    weighted = (m * C + sum of the app's stars) / (m + n)
where n is how many users gave the app that dimension. m is POLISE_RATINGS_PRIOR_WEIGHT
(default 5). With no rating the weighted average is None: an app nobody rated has no figure.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth

from polise.accounts.models import User
from polise.catalog.models import App
from polise.deployments.models import DeployRecord, Result
from polise.sso.models import Launch, SessionClient

from .models import DIMENSIONS, Dimension, PromptDismissal, Rating

STARS = (1, 2, 3, 4, 5)


def user_has_used(*, user: User | AnonymousUser, app: App) -> bool:
    """Whether `user` used `app`: opened it from the launcher or signed into it with OpenID
    Connect (the records single sign-on keeps). One query."""
    if not user.is_authenticated:
        return False
    launched = Launch.objects.filter(user_id=user.pk, app_id=app.pk)
    signed_in = SessionClient.objects.filter(
        session__user_id=user.pk, application__polise_profile__app_id=app.pk
    )
    return bool(
        App.objects.filter(pk=app.pk)
        .annotate(launched=Exists(launched), signed_in=Exists(signed_in))
        .filter(Q(launched=True) | Q(signed_in=True))
        .exists()
    )


def live_version(*, app: App) -> str:
    """The commit of the app's last successful deploy, or "" when none is recorded."""
    commit = (
        DeployRecord.objects.filter(app=app, result=Result.SUCCEEDED)
        .order_by("-started_at")
        .values_list("commit", flat=True)
        .first()
    )
    return commit or ""


def prior_weight() -> int:
    return int(settings.RATINGS_PRIOR_WEIGHT)


def bayesian(*, prior: float | None, weight: int, count: int, total: float) -> float | None:
    """(weight * prior + total) / (weight + count); None without a rating."""
    if not count:
        return None
    if prior is None or weight == 0:
        return total / count
    return (weight * prior + total) / (weight + count)


@dataclass(frozen=True)
class DimensionSummary:
    name: str
    label: str
    weighted: float | None
    mean: float | None
    count: int
    distribution: dict[int, int] = field(default_factory=dict)

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(stars, count, percent of the count), 5 stars first, for the bar chart."""
        return [
            (stars, self.distribution.get(stars, 0),
             round(100 * self.distribution.get(stars, 0) / self.count) if self.count else 0)
            for stars in reversed(STARS)
        ]  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        return {
            "weighted": None if self.weighted is None else round(self.weighted, 3),
            "mean": None if self.mean is None else round(self.mean, 3),
            "count": self.count,
            "distribution": {str(stars): self.distribution.get(stars, 0) for stars in STARS},
        }


# The prior moves slowly (one rating among thousands barely shifts a portal-wide mean), and
# computing it scans every rating: each process keeps it for POLISE_RATINGS_PRIOR_CACHE_SECONDS
# and forgets it at once when a rating is given in that process.
_means_cache: tuple[float, dict[str, float | None]] | None = None


def forget_portal_means() -> None:
    global _means_cache
    _means_cache = None


def portal_means() -> dict[str, float | None]:
    """The portal-wide mean of each dimension (the prior): one query over every rating, kept
    for a while (see above)."""
    global _means_cache
    if _means_cache is not None and _means_cache[0] > time.monotonic():
        return _means_cache[1]
    row = Rating.objects.aggregate(**{name: Avg(Cast(name, FloatField())) for name in DIMENSIONS})
    means = {name: None if row[name] is None else float(row[name]) for name in DIMENSIONS}
    _means_cache = (time.monotonic() + settings.RATINGS_PRIOR_CACHE_SECONDS, means)
    return means


def _aggregates(with_distribution: bool) -> dict[str, Any]:
    exprs: dict[str, Any] = {}
    for name in DIMENSIONS:
        exprs[f"{name}_n"] = Count(name)
        exprs[f"{name}_sum"] = Sum(name)
        if with_distribution:
            for stars in STARS:
                exprs[f"{name}_{stars}"] = Count("pk", filter=Q(**{name: stars}))
    return exprs


def _summaries(
    row: dict[str, Any], means: dict[str, float | None], with_distribution: bool
) -> dict[str, DimensionSummary]:
    weight = prior_weight()
    summaries = {}
    for name in DIMENSIONS:
        count, total = row.get(f"{name}_n") or 0, row.get(f"{name}_sum") or 0
        summaries[name] = DimensionSummary(
            name=name,
            label=str(Dimension(name).label),
            weighted=bayesian(prior=means.get(name), weight=weight, count=count, total=total),
            mean=total / count if count else None,
            count=count,
            distribution=(
                {stars: row.get(f"{name}_{stars}", 0) for stars in STARS}
                if with_distribution
                else {}
            ),
        )
    return summaries


def app_summary(app: App) -> dict[str, DimensionSummary]:
    """Per dimension ("quality", "ease", "docs"): weighted average, mean, count and the 1-5
    distribution of `app`'s ratings: one query (two when the prior is not at hand)."""
    figures = summaries_for_apps([app.pk], with_distribution=True)
    return figures.get(app.pk) or _summaries({}, {}, True)


def summaries_for_apps(
    app_ids: Iterable[int], *, with_distribution: bool = False
) -> dict[int, dict[str, DimensionSummary]]:
    """`app_summary` for many apps at once (apps nobody rated are left out): one grouped
    query (and the prior's, when some app has ratings and the prior is not at hand)."""
    ids = list(app_ids)
    if not ids:
        return {}
    rows = list(
        Rating.objects.filter(app_id__in=ids)
        .values("app_id")
        .order_by("app_id")
        .annotate(**_aggregates(with_distribution))
    )
    if not rows:
        return {}
    means = portal_means()
    return {row["app_id"]: _summaries(row, means, with_distribution) for row in rows}


def weighted_by_app(apps: QuerySet[App], *, dimension: str = "quality") -> dict[int, float]:
    """The weighted average of one dimension for each of `apps` that has one (two queries)."""
    figures = summaries_for_apps(apps.values_list("pk", flat=True))
    weighted = {app_id: dims[dimension].weighted for app_id, dims in figures.items()}
    return {app_id: value for app_id, value in weighted.items() if value is not None}


def apps_ranked(apps: QuerySet[App], *, dimension: str = "quality") -> QuerySet[App]:
    """`apps` ordered by the weighted average of `dimension`, best first, computed and sorted
    in the database; each app carries `rating_count`, `rating_mean` and `rating_weighted`
    (None when nobody rated it; those come last)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    prior = portal_means()[dimension]
    weight = prior_weight()
    of_app = Rating.objects.filter(app=OuterRef("pk"), **{f"{dimension}__isnull": False})
    count = Coalesce(
        Subquery(of_app.values("app").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )
    total = Subquery(
        of_app.values("app").annotate(s=Sum(dimension)).values("s")[:1], output_field=FloatField()
    )
    qs = apps.annotate(rating_count=count, rating_total=total)
    prior_total = Value(float(weight) * (prior or 0.0), output_field=FloatField())
    prior_n = Value(float(weight) if prior is not None else 0.0, output_field=FloatField())
    return qs.annotate(
        rating_mean=F("rating_total") / Cast("rating_count", FloatField()),
        rating_weighted=(prior_total + F("rating_total"))
        / (prior_n + Cast("rating_count", FloatField())),
    ).order_by(F("rating_weighted").desc(nulls_last=True), "name")


@dataclass(frozen=True)
class TrendPoint:
    key: Any  # a month (date) or a version (commit)
    count: int
    means: dict[str, float | None]


def _trend_row(row: dict[str, Any], key: Any) -> TrendPoint:
    return TrendPoint(
        key=key, count=row["n"], means={name: row[f"{name}_avg"] for name in DIMENSIONS}
    )


def _trend_aggregates() -> dict[str, Any]:
    return {
        "n": Count("pk"),
        **{f"{name}_avg": Avg(Cast(name, FloatField())) for name in DIMENSIONS},
    }


def trend_by_month(*, app: App, months: int = 12) -> list[TrendPoint]:
    """Mean of each dimension over the ratings last given in each month (oldest first)."""
    rows = (
        Rating.objects.filter(app_id=app.pk)
        .annotate(month=TruncMonth("updated_at"))
        .values("month")
        .order_by("-month")
        .annotate(**_trend_aggregates())[:months]
    )
    return [_trend_row(row, row["month"]) for row in reversed(list(rows))]


def trend_by_version(*, app: App, versions: int = 10) -> list[TrendPoint]:
    """Mean of each dimension over the ratings given while each version was live (the most
    recent versions, oldest first; "" is "no deploy recorded")."""
    from django.db.models import Max

    rows = (
        Rating.objects.filter(app_id=app.pk)
        .values("version")
        .order_by()
        .annotate(last=Max("updated_at"), **_trend_aggregates())
        .order_by("-last")[:versions]
    )
    return [_trend_row(row, row["version"]) for row in reversed(list(rows))]


def recent_comments(*, app: App, limit: int = 5, include_hidden: bool = False) -> list[Rating]:
    """The app's latest ratings with a comment, with their author and reply (one query)."""
    qs = (
        Rating.objects.filter(app_id=app.pk)
        .exclude(comment="")
        .select_related("user", "reply", "hidden_by")
        .order_by("-updated_at")
    )
    if not include_hidden:
        qs = qs.filter(hidden_at__isnull=True)
    return list(qs[:limit])


def rating_of(*, user: User | AnonymousUser, app: App) -> Rating | None:
    if not user.is_authenticated:
        return None
    return Rating.objects.filter(app_id=app.pk, user_id=user.pk).first()


def apps_to_prompt(*, user: User | AnonymousUser, app_ids: Iterable[int]) -> set[int]:
    """The apps among `app_ids` whose launcher tile asks `user` "how was it?": opened at least
    POLISE_RATINGS_PROMPT_AFTER_LAUNCHES times, never rated, the prompt not dismissed, not an
    app they look after. One query."""
    ids = list(app_ids)
    if not user.is_authenticated or not ids:
        return set()
    rows = (
        Launch.objects.filter(user_id=user.pk, app_id__in=ids)
        .exclude(app__ratings__user_id=user.pk)
        .exclude(app__owners__id=user.pk)
        .exclude(app_id__in=PromptDismissal.objects.filter(user_id=user.pk).values("app_id"))
        .values("app_id")
        .order_by()
        .annotate(n=Count("pk"))
        .filter(n__gte=settings.RATINGS_PROMPT_AFTER_LAUNCHES)
    )
    return {row["app_id"] for row in rows}
