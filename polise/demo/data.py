"""Demo data for `polise demo`: a small provincial office with its teams, apps and developers.

Loading is idempotent: a second run finds every row by its natural key and leaves it (and
anything the user changed in the admin meanwhile) alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.db import transaction

from polise.accounts.models import Developer, GitEmail, OrgUnit, User
from polise.catalog.models import App, Placement, Technology

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

    if not User.objects.filter(username="admin").exists():
        report.admin_password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@example.go.id", report.admin_password)
        report.created.append("user admin")
    return report
