"""Demo data for `polise demo`: a small provincial office with its teams, apps and developers.

Loading is idempotent: a second run finds every row by its natural key and leaves it (and
anything the user changed in the admin meanwhile) alone.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from polise.accounts.models import Developer, GitEmail, OrgUnit, User
from polise.appdocs.models import DocsState
from polise.appdocs.services import docs_build
from polise.catalog.models import App, Placement, Technology
from polise.contributions.models import SyncState
from polise.contributions.services import contributions_sync
from polise.deployments.models import DeployRecord
from polise.forge.mirrors import gitread
from polise.forge.mirrors import services as mirrors
from polise.news.models import AppNews
from polise.news.services import news_sync

from .git_history import Author, build_repository

DEMO_ORG = "pemprov-demo"

UNITS = [
    ("diskominfo", "Dinas Komunikasi dan Informatika"),
    ("bkd", "Badan Kepegawaian Daerah"),
    ("dlh", "Dinas Lingkungan Hidup"),
]

DEVELOPERS = [
    # username, first, last, GitHub login, unit, git e-mails
    (
        "ayu",
        "Ayu",
        "Lestari",
        "ayu-lestari",
        "diskominfo",
        ["ayu@diskominfo.example.go.id", "ayu.lestari@gmail.example"],
    ),
    ("budi", "Budi", "Santoso", "budisan", "diskominfo", ["budi@diskominfo.example.go.id"]),
    ("citra", "Citra", "Rahma", "citrarahma", "bkd", ["citra@bkd.example.go.id"]),
    ("dimas", "Dimas", "Pratama", "dimas-p", "dlh", ["dimas@dlh.example.go.id"]),
    ("eka", "Eka", "Putri", "ekaputri-vendor", "dlh", ["eka@vendor.example.com"]),
]

APPS = [
    # slug, name, summary, unit, technology, placement, owners
    (
        "portal-layanan",
        "Portal Layanan",
        "Satu pintu layanan publik pemerintah provinsi.",
        "diskominfo",
        Technology.PYTHON,
        Placement.APP,
        ["ayu"],
    ),
    (
        "sipandu",
        "SiPandu",
        "Pengaduan masyarakat dan tindak lanjutnya.",
        "diskominfo",
        Technology.PHP,
        Placement.APP,
        ["budi"],
    ),
    (
        "jdih",
        "JDIH",
        "Jaringan dokumentasi dan informasi hukum daerah.",
        "diskominfo",
        Technology.STATIC,
        Placement.APP,
        ["ayu", "budi"],
    ),
    (
        "simpeg",
        "SIMPEG",
        "Data kepegawaian, jabatan dan riwayat ASN.",
        "bkd",
        Technology.PYTHON,
        Placement.APP,
        ["citra"],
    ),
    (
        "e-kinerja",
        "e-Kinerja",
        "Sasaran kinerja pegawai dan penilaiannya.",
        "bkd",
        Technology.NODE,
        Placement.APP,
        ["citra"],
    ),
    (
        "presensi",
        "Presensi",
        "Kehadiran pegawai dengan lokasi kantor.",
        "bkd",
        Technology.GO,
        Placement.APP,
        ["citra", "budi"],
    ),
    (
        "awdi",
        "AWDI",
        "Integrasi data air: debit sungai, curah hujan dan kualitas air.",
        "dlh",
        Technology.PYTHON,
        Placement.DEDICATED,
        ["dimas", "eka"],
    ),
    (
        "si-amdal",
        "SI-AMDAL",
        "Pengajuan dan pemantauan dokumen lingkungan.",
        "dlh",
        Technology.PHP,
        Placement.APP,
        ["eka"],
    ),
]


# Commits in each demo app's history (the rest get DEFAULT_COMMITS); SIMPEG also records deploys.
COMMITS = {"simpeg": 320, "portal-layanan": 160, "awdi": 120, "sipandu": 90}
DEFAULT_COMMITS = 50
DEPLOYED_APP = "simpeg"


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    admin_password: str | None = None

    def describe(self, url: str) -> str:
        lines = [f"Polise demo: {url}/"]
        if self.created:
            lines.append("Created: " + ", ".join(self.created))
        else:
            lines.append("Demo data already present; nothing changed.")
        if self.admin_password:
            lines.append(
                f"Admin: {url}/admin/  user: admin  password: {self.admin_password}  (shown once)"
            )
        else:
            lines.append(
                f"Admin: {url}/admin/  user: admin  (password shown at first run; `polise changepassword admin` sets a new one)"
            )
        return "\n".join(lines)


@transaction.atomic
def load_demo_data() -> DemoReport:
    report = DemoReport()

    units = {}
    for slug, name in UNITS:
        units[slug], created = OrgUnit.objects.get_or_create(slug=slug, defaults={"name": name})
        if created:
            report.created.append(f"unit {slug}")

    users = {}
    for username, first, last, login, unit, emails in DEVELOPERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": emails[0]},
        )
        users[username] = user
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            units[unit].members.add(user)
            developer = Developer.objects.create(user=user, github_login=login)
            GitEmail.objects.bulk_create(GitEmail(developer=developer, email=e) for e in emails)
            report.created.append(f"developer {login}")

    for slug, name, summary, unit, tech, placement, owners in APPS:
        app, created = App.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "summary": summary,
                "description": summary,
                "url": f"https://{slug}.apps.example.go.id/",
                "repo": f"{DEMO_ORG}/{slug}",
                "technology": tech,
                "placement": placement,
                "owner_unit": units[unit],
            },
        )
        if created:
            app.owners.set([users[o] for o in owners])
            report.created.append(f"app {slug}")

    _load_histories(report, users)
    _load_ratings(report)

    if not User.objects.filter(username="admin").exists():
        report.admin_password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@example.go.id", report.admin_password)
        report.created.append("user admin")
    return report


# Civil servants who use the apps and rate them (signed in through SSO; no password).
RATERS = ["rina", "sari", "tono", "wati", "yoga", "zaki"]
RATING_COMMENTS = [
    "Sangat membantu pekerjaan sehari-hari.",
    "Kadang lambat saat jam sibuk.",
    "Panduan penggunaannya perlu contoh yang lebih jelas.",
    "",
    "Tampilan baru lebih mudah dipahami.",
]


def _load_ratings(report: DemoReport) -> None:
    """Each rater opened each app, and rated most of them, some twice, across the versions the
    deploy records know (SIMPEG has several); deterministic, loaded once."""
    import random

    from polise.ratings.models import Rating, RatingRevision
    from polise.sso.models import Launch

    if Rating.objects.exists():
        return
    now = timezone.now()
    raters = []
    for username in RATERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": username.title()}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        raters.append(user)
    for slug, *_rest in APPS:
        app = App.objects.get(slug=slug)
        chance = random.Random(slug)  # noqa: S311 - demo figures, not secrets
        deploys = list(DeployRecord.objects.filter(app=app).order_by("started_at"))
        for user in raters:
            Launch.objects.create(user=user, app=app)
            if chance.random() < 0.2:
                continue  # opened it, never rated: the launcher asks them
            rating = None
            for days_ago in sorted(
                chance.sample(range(1, 180), chance.choice([1, 2])), reverse=True
            ):
                at = now - timedelta(days=days_ago)
                live = [d.commit for d in deploys if d.started_at <= at]
                stars: dict[str, int | None] = {
                    name: min(5, max(1, round(chance.gauss(mean, 1))))
                    for name, mean in (("quality", 4.0), ("ease", 3.6), ("docs", 3.0))
                }
                if chance.random() < 0.3:
                    stars["docs"] = None  # never read the usage guide
                fields = dict(stars, comment=chance.choice(RATING_COMMENTS),
                              version=live[-1] if live else "")  # fmt: skip
                rating, _ = Rating.objects.update_or_create(
                    app=app, user=user, defaults={**fields, "updated_at": at}
                )
                RatingRevision.objects.create(rating=rating, at=at, **fields)
    report.created.append("ratings")


def _authors(owners: list[str], others: list[str]) -> list[Author]:
    by_username = {d[0]: d for d in DEVELOPERS}
    authors = []
    for username in [*owners, *(o for o in others if o not in owners)]:
        _, first, last, _, _, emails = by_username[username]
        authors += [Author(f"{first} {last}", email) for email in emails]
    return authors


def _record_demo_deploys(app: App, git_dir: Path) -> None:
    """A deploy every twenty commits over the last hundred; the newest commits still wait."""
    history = list(gitread.log(git_dir, tip="refs/heads/main"))
    for commit in history[5:100:20]:
        finished = commit.committed_at + timedelta(hours=2)
        DeployRecord.objects.create(
            deploy_id=uuid.uuid5(uuid.NAMESPACE_URL, f"polise-demo:{app.slug}:{commit.sha}"),
            app=app,
            stack=app.slug,
            commit=commit.sha,
            result="succeeded",
            started_at=finished - timedelta(minutes=3),
            finished_at=finished,
        )


def _load_histories(report: DemoReport, users: dict[str, User]) -> None:
    """A git repository per demo app (news, contributions and docs read it through the forge's
    mirror, as they read GitHub), and the app's news read from it."""
    everyone = [d[0] for d in DEVELOPERS]
    for n, (slug, name, _summary, _unit, tech, _placement, owners) in enumerate(APPS):
        app = App.objects.get(slug=slug)
        if AppNews.objects.filter(app=app).exclude(synced_tip="").exists():
            continue
        source = settings.DATA_DIR / "demo-git" / DEMO_ORG / f"{slug}.git"
        if not source.exists():
            build_repository(
                source,
                slug=slug,
                title=name,
                technology=tech,
                authors=_authors(owners, everyone[n % 5 : n % 5 + 2]),
                commits=COMMITS.get(slug, DEFAULT_COMMITS),
            )
        mirrors.mirror_set_remote(repo=app.repo, url=str(source))
        if slug == DEPLOYED_APP and not DeployRecord.objects.filter(app=app).exists():
            _record_demo_deploys(app, source)
        news_sync(app=app)
        report.created.append(f"history {slug}")
    # The contribution page counts the same histories (a data folder from before it existed
    # has its mirrors already: they are counted as they are).
    for app in App.objects.filter(slug__in=[a[0] for a in APPS]).exclude(repo=""):
        if not SyncState.objects.filter(app=app).exclude(synced_tip="").exists():
            contributions_sync(app=app, fetch=not mirrors.git_dir(app.repo).exists())
    _build_docs(report)


def _build_docs(report: DemoReport) -> None:
    """Each demo app's docs, built at once (a worker builds them after a push or a deploy)."""
    for slug, *_rest in APPS:
        app = App.objects.get(slug=slug)
        built = DocsState.objects.filter(app=app, built_at__isnull=False).exists()
        if not built and mirrors.git_dir(app.repo).exists():
            docs_build(app=app)
            report.created.append(f"docs {slug}")
