"""The rules of rating (who may rate, what is valid) and the figures (Bayesian average)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from oauth2_provider.models import Application

from polise.catalog.models import AccessPolicy, Lifecycle
from polise.ratings import selectors, services
from polise.ratings.models import Rating, RatingRevision
from polise.ratings.services import RatingError
from polise.sso.models import ClientProfile, SessionClient, SignInSession
from tests.factories import make_app, make_user

from .helpers import deploy, launch, rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages below are matched in English (the UI speaks Indonesian by default)."""
    with translation.override("en"):
        yield


def test_the_bayesian_average_matches_a_hand_computed_case(settings):
    settings.RATINGS_PRIOR_WEIGHT = 2
    small, large, unrated = make_app(name="A small"), make_app(name="B large"), make_app()
    for stars in (5, 5):
        rate(make_user(), small, quality=stars)
    for stars in (2, 3, 4, 3):
        rate(make_user(), large, quality=stars, ease=stars)
    # Prior C = (5+5+2+3+4+3)/6 = 22/6. m = 2.
    # small: (2 * 22/6 + 10) / (2 + 2) = (44/6 + 60/6) / 4 = 104/24 = 13/3 = 4.3333...
    # large: (2 * 22/6 + 12) / (2 + 4) = (44/6 + 72/6) / 6 = 116/36 = 29/9 = 3.2222...
    assert selectors.portal_means()["quality"] == pytest.approx(22 / 6)
    small_q = selectors.app_summary(small)["quality"]
    large_q = selectors.app_summary(large)["quality"]
    assert small_q.weighted == pytest.approx(13 / 3)
    assert small_q.mean == pytest.approx(5.0)
    assert small_q.count == 2
    assert small_q.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 2}
    assert large_q.weighted == pytest.approx(29 / 9)
    assert large_q.distribution == {1: 0, 2: 1, 3: 2, 4: 1, 5: 0}
    # The small app's raw mean is 5, but weighed honestly it stays below 4.5.
    assert selectors.app_summary(small)["ease"].weighted is None
    assert selectors.app_summary(unrated)["quality"].count == 0

    ranked = list(selectors.apps_ranked(make_app().__class__.objects.all()))
    assert [a.pk for a in ranked[:2]] == [small.pk, large.pk]
    assert ranked[0].rating_weighted == pytest.approx(13 / 3)
    assert ranked[1].rating_weighted == pytest.approx(29 / 9)
    assert ranked[-1].rating_weighted is None and ranked[-1].rating_count == 0

    many = selectors.summaries_for_apps([small.pk, large.pk, unrated.pk])
    assert many[small.pk]["quality"].weighted == pytest.approx(13 / 3)
    assert unrated.pk not in many


def test_the_weight_zero_gives_the_plain_mean(settings):
    settings.RATINGS_PRIOR_WEIGHT = 0
    app, other = make_app(), make_app()
    rate(make_user(), app, docs=4)
    rate(make_user(), other, docs=1)
    assert selectors.app_summary(app)["docs"].weighted == pytest.approx(4.0)


def test_a_user_who_opened_the_app_rates_edits_and_each_edit_is_kept():
    app, user = make_app(), make_user()
    deploy(app, "a" * 40, at=timezone.now() - timedelta(days=2))
    deploy(app, "f" * 40, at=timezone.now() - timedelta(days=1), result="failed")
    launch(user, app)
    rating = services.rating_submit(user=user, app=app, quality=4, comment="Bagus")
    assert rating.version == "a" * 40  # the last successful deploy, not the failed one
    deploy(app, "b" * 40)
    services.rating_submit(user=user, app=app, quality=2, ease=3, comment="Lambat sekarang")
    rating.refresh_from_db()
    assert (rating.quality, rating.ease, rating.docs) == (2, 3, None)
    assert rating.version == "b" * 40
    assert Rating.objects.count() == 1
    assert list(rating.revisions.order_by("at").values_list("quality", "version")) == [
        (4, "a" * 40),
        (2, "b" * 40),
    ]


def test_a_rating_survives_a_change_of_the_apps_slug():
    app, user = make_app(slug="lama"), make_user()
    rate(user, app, quality=5)
    app.slug = "baru"
    app.save()
    assert selectors.rating_of(user=user, app=app).quality == 5
    assert selectors.app_summary(app)["quality"].count == 1


def test_an_oidc_sign_in_counts_as_use():
    app, user = make_app(), make_user()
    application = Application.objects.create(
        name="rp",
        client_id=secrets.token_hex(8),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://rp.example.go.id/cb",
    )
    ClientProfile.objects.create(application=application, app=app)
    now = timezone.now()
    session = SignInSession.objects.create(
        sid="s1", user=user, session_key="k", auth_time=now, expires_at=now, last_seen=now
    )
    assert not selectors.user_has_used(user=user, app=app)
    SessionClient.objects.create(session=session, application=application)
    assert selectors.user_has_used(user=user, app=app)
    assert services.rating_submit(user=user, app=app, ease=5).ease == 5


def _refused(match: str, **kwargs) -> None:
    before = (Rating.objects.count(), RatingRevision.objects.count())
    with pytest.raises(RatingError, match=match):
        services.rating_submit(**kwargs)
    assert (Rating.objects.count(), RatingRevision.objects.count()) == before


def test_no_rating_without_use():
    _refused("Open the app", user=make_user(), app=make_app(), quality=5)


def test_no_rating_by_the_apps_own_owners():
    owner = make_user()
    app = make_app(owners=[owner])
    launch(owner, app)
    _refused("look after", user=owner, app=app, quality=5)


def test_no_rating_of_an_archived_app_or_one_the_user_may_not_see():
    user = make_user()
    retired = make_app(lifecycle=Lifecycle.RETIRED)
    launch(user, retired)
    _refused("archived", user=user, app=retired, quality=3)
    hidden = make_app()
    AccessPolicy.objects.create(app=hidden, audience=AccessPolicy.Audience.LISTED)
    launch(user, hidden)
    _refused("no such app", user=user, app=hidden, quality=3)


@pytest.mark.parametrize("value", [0, 6, -1, "x", "3.5", 2.5])
def test_values_outside_one_to_five_are_refused(value):
    user, app = make_user(), make_app()
    launch(user, app)
    _refused("1 to 5", user=user, app=app, quality=value)


def test_a_rating_needs_one_dimension_and_a_comment_of_reasonable_size():
    user, app = make_user(), make_app()
    launch(user, app)
    _refused("at least one", user=user, app=app, comment="hanya komentar")
    _refused("under 2000", user=user, app=app, quality=3, comment="x" * 2001)
    assert services.rating_submit(user=user, app=app, quality=3, comment="x" * 2000)


def test_anonymous_visitors_cannot_rate():
    from django.contrib.auth.models import AnonymousUser

    _refused("Sign in", user=AnonymousUser(), app=make_app(), quality=3)


def test_the_rate_limit_per_user(settings):
    settings.RATINGS_PER_HOUR = 3
    user, app = make_user(), make_app()
    for stars in (1, 2, 3):
        rate(user, app, quality=stars)
    _refused("try again later", user=user, app=app, quality=4)
    assert Rating.objects.get().quality == 3


def test_replies_hiding_and_the_prompt(settings):
    settings.RATINGS_PROMPT_AFTER_LAUNCHES = 3
    owner, staff, user = make_user(), make_user(is_staff=True), make_user()
    app = make_app(owners=[owner])
    launch(user, app, times=3)
    assert selectors.apps_to_prompt(user=user, app_ids=[app.pk]) == {app.pk}
    assert selectors.apps_to_prompt(user=owner, app_ids=[app.pk]) == set()
    rating = services.rating_submit(user=user, app=app, quality=1, comment="<b>buruk</b>")
    assert selectors.apps_to_prompt(user=user, app_ids=[app.pk]) == set()

    with pytest.raises(RatingError):
        services.reply_save(user=user, rating=rating, body="me too")
    reply = services.reply_save(user=owner, rating=rating, body="Terima kasih, kami perbaiki.")
    assert reply is not None and reply.author == owner
    assert selectors.recent_comments(app=app)[0].reply.body.startswith("Terima")

    with pytest.raises(RatingError, match="platform team"):
        services.comment_hide(user=owner, rating=rating, reason="abuse")
    with pytest.raises(RatingError, match="why"):
        services.comment_hide(user=staff, rating=rating, reason=" ")
    services.comment_hide(user=staff, rating=rating, reason="Kata kasar")
    rating.refresh_from_db()
    assert rating.hidden_by == staff and rating.hidden_reason == "Kata kasar"
    assert rating.comment == "<b>buruk</b>"  # kept
    assert selectors.recent_comments(app=app) == []
    assert selectors.recent_comments(app=app, include_hidden=True) == [rating]
    assert selectors.app_summary(app)["quality"].count == 1  # the stars still count
    from polise.accounts.models import AuditEvent

    event = AuditEvent.objects.get(target=app.slug)
    assert event.user == staff and event.detail["reason"] == "Kata kasar"

    other = make_app()
    launch(user, other, times=5)
    services.prompt_dismiss(user=user, app=other)
    assert selectors.apps_to_prompt(user=user, app_ids=[other.pk]) == set()


def test_the_platform_overview_reads_the_weighted_average(settings):
    from polise.catalog.models import App
    from polise.onboarding.overview import ratings_by_app

    settings.RATINGS_PRIOR_WEIGHT = 1
    good, poor, unrated = make_app(), make_app(), make_app()
    rate(make_user(), good, quality=5)
    rate(make_user(), poor, quality=1, ease=5)
    # prior 3: good (3 + 5) / 2 = 4, poor (3 + 1) / 2 = 2
    assert ratings_by_app(App.objects.all()) == {good.pk: 4.0, poor.pk: 2.0}
    assert unrated.pk not in ratings_by_app(App.objects.all())
