"""The one access rule, walked: every URL of Polise that shows something of an app, requested
as a signed-in user outside the app's access policy and as an anonymous visitor.

Every URL pattern Polise serves is classified below, so a new page cannot slip past this walk:
- APP_SCOPED: it shows or changes something that belongs to one app; the walk fills its
  arguments for a restricted app and expects 404 (or, for anonymous visitors, the login
  redirect), never the app's data;
- LISTINGS: it lists things of many apps (launcher, "my reports", portal-wide news, feeds);
  the walk expects a page without a trace of the restricted app;
- TOKEN_APIS: machine endpoints authenticated by an app's own token: 401 without it;
- UNRELATED: nothing of an app (sign-in, health probes), with the reason.
A pattern in none of them fails the test. Feature apps add their patterns and, in `world`,
something of theirs that carries the SECRET word.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from polise.appdocs import search as docs_search
from polise.appdocs.models import DocPage, DocsState, RenderedPage
from polise.catalog.models import AccessPolicy
from polise.contributions.models import DailyContribution, Identity
from polise.news.models import Item, Update
from polise.onboarding.models import Onboarding, ProvisionedDatabase, Step
from polise.ratings.models import Rating
from polise.reports.models import Attachment, Comment, Report
from tests.factories import make_app, make_developer, make_unit, make_user

pytestmark = pytest.mark.django_db

# Everything the restricted app owns carries this word; no response to an outsider may.
SECRET = "zirkonia"


@dataclass
class World:
    app: object
    insider: object
    outsider: object
    report: Report
    security_report: Report
    attachment: Attachment
    comment: Comment
    update: Update
    item: Item
    database: ProvisionedDatabase
    rating: Rating | None = None


@pytest.fixture
def world(tmp_path, settings) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    unit = make_unit(name=f"Unit {SECRET}")
    insider = make_user(username="insider")
    unit.members.add(insider)
    outsider = make_user(username="outsider")
    app = make_app(
        slug=f"app-{SECRET}",
        name=f"App {SECRET}",
        summary=f"{SECRET} summary",
        url=f"https://{SECRET}.apps.example.go.id/",
        owner_unit=unit,
    )
    policy = AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
    policy.units.add(unit)
    report = Report.objects.create(
        app=app,
        reporter=insider,
        kind=Report.Kind.BUG,
        title=f"Report {SECRET}",
        what_happened=f"{SECRET} happened",
        status=Report.Status.OPEN,
    )
    security_report = Report.objects.create(
        app=app,
        reporter=insider,
        kind=Report.Kind.SECURITY,
        title=f"Security {SECRET}",
        what_happened=f"{SECRET} leak",
    )
    from django.core.files.base import ContentFile

    attachment = Attachment.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4 " + SECRET.encode(), name="x.pdf"),
        content_type="application/pdf",
        size=13,
        original_name=f"{SECRET}.pdf",
    )
    comment = Comment.objects.create(
        report=report,
        github_id=991,
        author="dev",
        body=f"{SECRET} comment",
        public=True,
        created_at=report.created_at,
    )
    from django.utils import timezone

    update = Update.objects.create(
        app=app,
        key="push:1",
        kind=Update.Kind.PUSH,
        occurred_at=timezone.now(),
        status=Update.Status.PUBLISHED,
        published_at=timezone.now(),
        title=f"News {SECRET}",
        item_count=1,
    )
    item = Item.objects.create(
        app=app,
        sha="1" * 40,
        update=update,
        title=f"feat {SECRET}",
        category="feature",
        author_name="Ayu",
        author_email="ayu@example.go.id",
        committed_at=timezone.now(),
    )
    onboarding = Onboarding.objects.create(app=app, spec={"name": app.slug, "title": SECRET})
    Step.objects.create(
        onboarding=onboarding, name="repo", position=0, status="failed", detail=f"{SECRET} failed"
    )
    database = ProvisionedDatabase.objects.create(
        app=app, engine="postgresql", name=f"db_{SECRET}", user=f"db_{SECRET}"
    )
    identity = Identity.objects.create(email="walk@example.go.id", name="Walk")
    make_developer(github_login="dev-walk", emails=("walk@example.go.id",))
    DailyContribution.objects.create(
        app=app, identity=identity, day=timezone.now().date(), authored=1, code_added=3
    )
    rendered = RenderedPage.objects.create(
        key="k" * 64, blob_sha="b" * 40, title=f"Docs {SECRET}", html=f"<p>{SECRET}</p>"
    )
    DocsState.objects.create(app=app, commit="c" * 40, source="branch", built_at=timezone.now())
    docs_pages = [
        DocPage.objects.create(
            app=app,
            path=f"docs/{kind}/{SECRET}.md",
            kind=kind,
            status="rendered",
            title=f"Docs {SECRET}",
            rendered=rendered,
            text=f"{SECRET} docs text",
        )
        for kind in ("usage", "database")
    ]
    docs_search.index(docs_pages)
    rating = Rating.objects.create(
        app=app, user=insider, quality=4, comment=f"{SECRET} rating", updated_at=timezone.now()
    )
    return World(
        app, insider, outsider, report, security_report, attachment, comment, update, item, database,
        rating,
    )  # fmt: skip


Request = tuple[str, str]  # (method, path)

# name -> the requests that reach the restricted app's thing through it.
APP_SCOPED: dict[str, Callable[[World], list[Request]]] = {
    "catalog:app_detail": lambda w: [("get", f"/apps/{w.app.slug}/")],
    "sso:launch": lambda w: [("get", f"/apps/{w.app.slug}/open/")],
    "reports:new": lambda w: [
        ("get", f"/apps/{w.app.slug}/report/"),
        ("post", f"/apps/{w.app.slug}/report/"),
    ],
    "reports:app_reports": lambda w: [("get", f"/apps/{w.app.slug}/reports/")],
    "reports:detail": lambda w: [
        ("get", f"/reports/{w.report.pk}/"),
        ("get", f"/reports/{w.security_report.pk}/"),
    ],
    "reports:duplicate": lambda w: [("post", f"/reports/{w.report.pk}/duplicate/")],
    "reports:follow": lambda w: [("post", f"/reports/{w.report.pk}/follow/")],
    "reports:reply": lambda w: [("post", f"/reports/{w.report.pk}/reply/")],
    "reports:status": lambda w: [("post", f"/reports/{w.report.pk}/status/")],
    "reports:comment_visibility": lambda w: [
        ("post", f"/reports/comments/{w.comment.pk}/visibility/")
    ],
    "reports:attachment": lambda w: [("get", f"/reports/attachments/{w.attachment.token}/")],
    "news:app": lambda w: [("get", f"/apps/{w.app.slug}/news/")],
    "news:app_feed": lambda w: [("get", f"/apps/{w.app.slug}/news/feed.atom")],
    "news:manage": lambda w: [
        ("get", f"/apps/{w.app.slug}/news/manage/"),
        ("post", f"/apps/{w.app.slug}/news/manage/"),
    ],
    "news:catch_up": lambda w: [("post", f"/apps/{w.app.slug}/news/catch-up/")],
    "news:update_edit": lambda w: [
        ("get", f"/apps/{w.app.slug}/news/updates/{w.update.pk}/"),
        ("post", f"/apps/{w.app.slug}/news/updates/{w.update.pk}/"),
    ],
    "news:item_visibility": lambda w: [
        ("post", f"/apps/{w.app.slug}/news/items/{w.item.pk}/visibility/")
    ],
    "contributions:app": lambda w: [
        ("get", f"/apps/{w.app.slug}/contributions/"),
        ("get", f"/apps/{w.app.slug}/contributions/?period=all"),
    ],
    "contributions:app_csv": lambda w: [("get", f"/apps/{w.app.slug}/contributions.csv")],
    "appdocs:index": lambda w: [("get", f"/apps/{w.app.slug}/docs/")],
    "appdocs:page": lambda w: [
        ("get", f"/apps/{w.app.slug}/docs/docs/usage/{SECRET}.md"),
        ("get", f"/apps/{w.app.slug}/docs/docs/database/{SECRET}.md"),
        ("get", f"/apps/{w.app.slug}/docs/docs/usage/{SECRET}.png"),
    ],
    "appdocs:feedback": lambda w: [("post", f"/apps/{w.app.slug}/docs-helpful/")],
    "appdocs:manage": lambda w: [("get", f"/apps/{w.app.slug}/docs-manage/")],
    "appdocs:rebuild": lambda w: [("post", f"/apps/{w.app.slug}/docs-manage/rebuild/")],
    "ratings:rate": lambda w: [
        ("get", f"/apps/{w.app.slug}/rate/"),
        ("get", f"/apps/{w.app.slug}/rate/?dimension=docs"),
        ("post", f"/apps/{w.app.slug}/rate/"),
    ],
    "ratings:prompt_dismiss": lambda w: [("post", f"/apps/{w.app.slug}/rate/not-now/")],
    "ratings:api": lambda w: [("get", f"/api/apps/{w.app.slug}/ratings")],
    "ratings:dashboard": lambda w: [("get", f"/apps/{w.app.slug}/ratings/")],
    "ratings:export": lambda w: [("get", f"/apps/{w.app.slug}/ratings/export.csv")],
    "ratings:reply": lambda w: [("post", f"/apps/{w.app.slug}/ratings/{w.rating.pk}/reply/")],
    "ratings:hide": lambda w: [("post", f"/apps/{w.app.slug}/ratings/{w.rating.pk}/hide/")],
    # The ranking of all apps is the platform team's: a 404 for everyone else.
    "ratings:ranking": lambda w: [("get", "/ratings/"), ("get", "/ratings/?format=csv")],
    # Onboarding is the platform team's (staff): a 404 for everyone else, lists included.
    "onboarding:list": lambda w: [("get", "/onboarding/")],
    "onboarding:platform": lambda w: [("get", "/platform/"), ("get", "/platform/?sort=health")],
    "onboarding:new": lambda w: [("get", "/onboarding/new/"), ("post", "/onboarding/new/")],
    "onboarding:detail": lambda w: [
        ("get", f"/onboarding/{w.app.slug}/"),
        ("get", f"/onboarding/{w.app.slug}/?part=steps"),
    ],
    "onboarding:retry": lambda w: [("post", f"/onboarding/{w.app.slug}/steps/repo/retry/")],
    "onboarding:refresh_invitations": lambda w: [
        ("post", f"/onboarding/{w.app.slug}/invitations/refresh/")
    ],
    "onboarding:drop_database": lambda w: [
        ("post", f"/onboarding/{w.app.slug}/databases/{w.database.pk}/drop/")
    ],
}

LISTINGS: dict[str, Callable[[World], list[Request]]] = {
    "catalog:launcher": lambda w: [("get", "/")],
    "reports:mine": lambda w: [("get", "/reports/mine/")],
    "reports:inbox": lambda w: [("get", "/reports/inbox/")],
    "news:portal": lambda w: [("get", "/news/")],
    "news:portal_feed": lambda w: [("get", "/news/feed.atom")],
    "contributions:developer": lambda w: [("get", "/developers/dev-walk/contributions/")],
    "appdocs:search": lambda w: [
        ("get", "/docs/search/?q=docs"),
    ],
}

TOKEN_APIS: dict[str, Callable[[World], list[Request]]] = {
    "deployments:records": lambda w: [("post", "/api/deployments/records")],
    "deployments:previous": lambda w: [("get", f"/api/deployments/previous?app={w.app.slug}")],
    "deployments:record": lambda w: [("get", "/api/deployments/records/" + str(uuid.uuid4()))],
}

UNRELATED = {
    "healthz": "process health probe",
    "readyz": "database readiness probe",
    "metrics": "counts by kind for Prometheus, no app names; token or network only",
    "set_language": "stores the language choice",
    "forge:github_webhook": "GitHub's signed deliveries only",
    "sso:forward_auth": "answers the proxy; walked by tests/sso/test_forward_auth.py",
    "sso:sessions": "the user's own sign-in sessions",
    "sso:revoke_session": "ends the user's own sessions",
    "sso:login": "sign-in",
    "sso:login_mfa": "sign-in, second step",
    "sso:logout": "sign-out",
    "accounts:mfa": "the user's own second factor",
    "accounts:recovery_codes": "the user's own recovery codes, shown once",
    "accounts:password_reset": "password reset",
    "accounts:password_reset_done": "password reset",
    "sso:password_reset_confirm": "password reset",
}

# Served by libraries, with their own access checks: the admin (staff only), the OpenID
# Connect endpoints (tests/sso), sign-in with GitHub (tests/accounts).
LIBRARY_PREFIXES = ("admin/", "oauth/", ".well-known", "^\\.well-known", "accounts/")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace or ""
            yield from _patterns(entry, route, inner or namespace)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield route, name


def _own_patterns() -> list[tuple[str, str | None]]:
    return [
        (route, name)
        for route, name in _patterns(get_resolver())
        if not route.startswith(LIBRARY_PREFIXES)
        and not (name or "").startswith("oauth2_provider:")
    ]


def test_every_url_pattern_is_classified():
    known = set(APP_SCOPED) | set(LISTINGS) | set(TOKEN_APIS) | set(UNRELATED)
    unclassified = [(route, name) for route, name in _own_patterns() if name not in known]
    assert unclassified == [], (
        "add these URL patterns to tests/test_access_walk.py (app-scoped ones with the "
        "requests that reach the restricted app)"
    )
    stale = known - {name for _route, name in _own_patterns()}
    assert stale == set(), "these names are no longer URL patterns"


def _request(client, method: str, path: str):
    return client.post(path, {}) if method == "post" else client.get(path)


def _visitors(client, world: World):
    yield "anonymous", client
    client.force_login(world.outsider)
    yield "outsider", client


def test_app_scoped_urls_show_an_outsider_nothing(client, world):
    for name, build in APP_SCOPED.items():
        for method, path in build(world):
            for who, visitor in _visitors(client, world):
                response = _request(visitor, method, path)
                body = response.content.decode(errors="replace").lower()
                if who == "anonymous" and response.status_code == 302:
                    assert response["Location"].startswith("/login/"), (name, path)
                else:
                    assert response.status_code == 404, (who, name, method, path)
                assert SECRET not in body, (who, name, method, path)
            client.logout()


def test_listings_show_an_outsider_no_trace_of_the_app(client, world):
    for name, build in LISTINGS.items():
        for method, path in build(world):
            for who, visitor in _visitors(client, world):
                response = _request(visitor, method, path)
                assert response.status_code in (200, 302), (who, name, path)
                assert SECRET not in response.content.decode(errors="replace").lower(), (
                    who,
                    name,
                    path,
                )
            client.logout()


def test_token_apis_refuse_requests_without_the_apps_token(client, world):
    for name, build in TOKEN_APIS.items():
        for method, path in build(world):
            for who, visitor in _visitors(client, world):
                response = _request(visitor, method, path)
                assert response.status_code == 401, (who, name, path)
                assert SECRET not in response.content.decode(errors="replace").lower()
            client.logout()


def test_the_insider_does_see_the_app(client, world):
    """The walk proves something only if the same URLs do show the app to someone allowed."""
    client.force_login(world.insider)
    assert SECRET in client.get(f"/apps/{world.app.slug}/").content.decode().lower()
    assert SECRET in client.get(f"/api/apps/{world.app.slug}/ratings").content.decode().lower()
    assert SECRET in client.get("/").content.decode().lower()
    assert SECRET in client.get(f"/reports/{world.report.pk}/").content.decode().lower()
    assert client.get(f"/reports/attachments/{world.attachment.token}/").status_code == 200
    for path in ("/news/", "/news/feed.atom", f"/apps/{world.app.slug}/news/feed.atom"):
        assert SECRET in client.get(path).content.decode().lower(), path
    for path in (
        f"/apps/{world.app.slug}/contributions/",
        "/developers/dev-walk/contributions/",
    ):
        assert SECRET in client.get(path).content.decode().lower(), path
    csv = client.get(f"/apps/{world.app.slug}/contributions.csv").content.decode()
    assert "walk@example.go.id" in csv
    assert SECRET in client.get("/docs/search/?q=docs").content.decode().lower()
    assert client.get(f"/apps/{world.app.slug}/docs/docs/usage/{SECRET}.md").status_code == 200
    world.insider.is_staff = True  # the platform team sees the onboarding
    world.insider.save()
    assert SECRET in client.get(f"/onboarding/{world.app.slug}/").content.decode().lower()
    assert SECRET in client.get("/onboarding/").content.decode().lower()
    assert SECRET in client.get("/platform/").content.decode().lower()
    assert SECRET in client.get("/ratings/").content.decode().lower()
    assert SECRET in client.get(f"/apps/{world.app.slug}/ratings/").content.decode().lower()
