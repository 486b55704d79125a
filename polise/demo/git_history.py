"""A realistic git history for each demo app: what news, the contribution page and the docs
read in the demo, as they would read an office repository.

One bare repository per app, written by a single `git fast-import` (a few hundred commits in
well under a second), from a seeded random walk, so every demo shows the same history shape:

- authors whose e-mails are the demo developers' (one of them under two e-mails, joined by a
  `.mailmap`), `Co-authored-by:` trailers, and a dependency bot;
- Conventional Commits (features, fixes, performance, docs, chores, CI, a breaking change)
  beside free-form messages and the odd `[no-news]`;
- code, tests, usage docs under `docs/usage/` (several pages with relative links and an
  image), database docs under `docs/database/` (a page per table with its columns),
  `polise.yaml`, `README.md`;
- a feature branch merged with a merge commit;
- commit dates spread over the months before today, the newest a few hours old.
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

# A 1x1 PNG: the usage docs' screenshot.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101001a0d0a2d"
    "0000000049454e44ae426082"
)


@dataclass(frozen=True)
class Author:
    name: str
    email: str


BOT = Author("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")

# What changes, by Conventional Commit type (None: a free-form message).
FEATURES = [
    "ekspor laporan bulanan ke PDF", "filter data per unit kerja", "unggah lampiran hingga 10 MB",
    "notifikasi e-mail saat status berubah", "pencarian dengan nama atau NIP", "cetak surat keterangan",
    "dasbor ringkasan untuk pimpinan", "masuk lewat SSO Polise", "riwayat perubahan data",
    "impor data dari berkas Excel", "tanda tangan elektronik pada dokumen", "mode gelap",
]  # fmt: skip
FIXES = [
    "tombol simpan tidak merespons di Safari", "tanggal lahir bergeser satu hari",
    "halaman kosong setelah keluar", "urutan tabel tidak konsisten", "unggahan gagal untuk nama berkas beraksara",
    "total tidak cocok dengan rincian", "sesi berakhir terlalu cepat", "tautan rusak di menu bantuan",
]  # fmt: skip
PERF = [
    "daftar data dimuat dua kali lebih cepat",
    "kurangi kueri di halaman dasbor",
    "cache hasil rekap harian",
]
CHORES = [
    ("chore", "perbarui dependensi"), ("ci", "jalankan uji di setiap pull request"),
    ("test", "uji untuk rekap bulanan"), ("style", "rapikan format kode"), ("build", "perkecil image Docker"),
    ("refactor", "pisahkan layanan laporan"),
]  # fmt: skip
FREE_FORM = [
    "Perbaiki tampilan tabel di layar HP", "Tambah keterangan di formulir pendaftaran",
    "Update README", "Sesuaikan teks sesuai masukan pengguna", "WIP rekap tahunan [no-news]",
]  # fmt: skip
SCOPES = ["laporan", "api", "formulir", "dasbor", "akun", "ekspor"]
USAGE_PAGES = {
    "index.md": "Mulai",
    "masuk.md": "Masuk ke aplikasi",
    "laporan.md": "Membuat laporan",
    "faq.md": "Pertanyaan umum",
}
TABLES = {
    "pengguna": [("id", "bigint", "kunci utama"), ("nip", "varchar(18)", "nomor induk pegawai"),
                 ("nama", "varchar(120)", "nama lengkap"), ("unit_id", "bigint", "unit kerja (unit.id)")],
    "unit": [("id", "bigint", "kunci utama"), ("nama", "varchar(120)", "nama unit kerja")],
    "laporan": [("id", "bigint", "kunci utama"), ("judul", "varchar(200)", "judul laporan"),
                ("dibuat_oleh", "bigint", "pengguna.id"), ("dibuat_pada", "timestamptz", "waktu dibuat")],
}  # fmt: skip
EXTENSIONS = {"python": "py", "node": "js", "php": "php", "go": "go", "static": "html"}


def _usage_page(name: str, title: str, step: int) -> str:
    others = [f"- [{t}]({n})" for n, t in USAGE_PAGES.items() if n != name]
    image = "\n![Layar masuk](gambar/layar-masuk.png)\n" if name == "masuk.md" else ""
    return (
        f"# {title}\n\n"
        f"Langkah {step}: buka menu, isi formulir, lalu pilih **Simpan**.\n{image}\n"
        "## Lihat juga\n\n" + "\n".join(others) + "\n- [Struktur data](../database/README.md)\n"
    )


def _table_page(table: str, columns: list[tuple[str, str, str]]) -> str:
    rows = "\n".join(f"| `{c}` | {t} | {m} |" for c, t, m in columns)
    return (
        f"# Tabel `{table}`\n\n| Kolom | Tipe | Arti |\n|---|---|---|\n{rows}\n\n"
        "[Kembali ke daftar tabel](README.md)\n"
    )


def _database_index(tables: list[str]) -> str:
    return (
        "# Dokumentasi basis data\n\n- Mesin: PostgreSQL\n\n## Tabel\n\n"
        + "\n".join(f"- [{t}]({t}.md)" for t in tables)
        + "\n"
    )


class _Writer:
    """Commands for `git fast-import`, with the files of the branch being written."""

    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.mark = 0
        self.files: dict[str, bytes] = {}

    def commit(
        self,
        *,
        branch: str,
        author: Author,
        when: datetime,
        message: str,
        changes: dict[str, bytes],
        parent: int | None = None,
        merge: int | None = None,
    ) -> int:
        self.mark += 1
        stamp = f"{int(when.timestamp())} +0700"
        data = message.encode()
        self.out.append(
            f"commit refs/heads/{branch}\nmark :{self.mark}\n"
            f"author {author.name} <{author.email}> {stamp}\n"
            f"committer {author.name} <{author.email}> {stamp}\n"
            f"data {len(data)}\n".encode()
            + data
            + b"\n"
        )
        if parent:
            self.out.append(f"from :{parent}\n".encode())
        if merge:
            self.out.append(f"merge :{merge}\n".encode())
        for path, content in changes.items():
            self.files[path] = content
            self.out.append(
                f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n"
            )
        self.out.append(b"\n")
        return self.mark


def _message(rng: random.Random, authors: list[Author]) -> tuple[str, str]:
    """A commit message and the kind of file it touches (code, test, usage, database)."""
    roll = rng.random()
    scope = f"({rng.choice(SCOPES)})" if rng.random() < 0.5 else ""
    if roll < 0.30:
        message, kind = f"feat{scope}: {rng.choice(FEATURES)}", "code"
    elif roll < 0.52:
        message, kind = f"fix{scope}: {rng.choice(FIXES)}", "code"
    elif roll < 0.58:
        message, kind = f"perf{scope}: {rng.choice(PERF)}", "code"
    elif roll < 0.68:
        message, kind = rng.choice(
            [
                ("docs: perbarui panduan penggunaan", "usage"),
                ("docs(database): jelaskan kolom baru", "database"),
            ]
        )
    elif roll < 0.86:
        kind_, text = rng.choice(CHORES)
        message, kind = f"{kind_}{scope}: {text}", "test" if kind_ == "test" else "code"
    else:
        message, kind = rng.choice(FREE_FORM), "code"
    if rng.random() < 0.35:
        message += "\n\n" + rng.choice(
            [
                "Diminta oleh pengguna di unit kerja.",
                "Sebelumnya data harus diisi ulang setiap kali.",
                "Lihat laporan masalah dari pengguna minggu lalu.",
            ]
        )
    if rng.random() < 0.12 and len(authors) > 1:
        partner = rng.choice(authors)
        message += f"\n\nCo-authored-by: {partner.name} <{partner.email}>"
    return message, kind


def build_repository(
    path: Path,
    *,
    slug: str,
    title: str,
    technology: str,
    authors: list[Author],
    commits: int,
    now: datetime | None = None,
) -> None:
    """Write the history of one app into a new bare repository at `path`."""
    rng = random.Random(f"polise-demo:{slug}")  # noqa: S311 - a repeatable history, not a secret
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    start = now - timedelta(days=max(30, commits * 1.2))
    step = (now - timedelta(hours=3) - start) / commits
    ext = EXTENSIONS[technology]
    w = _Writer()
    first = authors[0]
    mailmap = "".join(
        f"{a.name} <{first.email}> <{a.email}>\n" for a in authors[1:] if a.name == first.name
    )
    initial = {
        "README.md": f"# {title}\n\nAplikasi {title}. Panduan: [docs/usage](docs/usage/index.md).\n",
        "polise.yaml": (
            f"schema_version: 1\nname: {slug}\ntitle: {title}\nsummary: {title}\n"
            f"technology: {technology}\nowners:\n  team: {slug}\n"
            "docs:\n  usage: docs/usage\n  database: docs/database\nplacement: app\n"
            'news:\n  skip_marker: "[no-news]"\n'
        ),
        ".mailmap": mailmap,
        f"src/app.{ext}": "// awal\n",
        "docs/usage/index.md": _usage_page("index.md", USAGE_PAGES["index.md"], 1),
        "docs/database/README.md": _database_index(list(TABLES)),
    }
    head = w.commit(
        branch="main",
        author=first,
        when=start,
        message="Mulai aplikasi dari templat Polise",
        changes={k: v.encode() for k, v in initial.items()},
    )
    merge_at = commits * 2 // 3
    for n in range(1, commits):
        when = start + step * n + timedelta(minutes=rng.randint(0, 50))
        author = BOT if rng.random() < 0.04 else rng.choice(authors)
        if author is BOT:
            message, kind = "build(deps): bump django from 5.2.1 to 5.2.2", "deps"
        elif n == commits // 2:
            message, kind = (
                "feat(api)!: API memakai token per aplikasi\n\n"
                "BREAKING CHANGE: token lama tidak berlaku; buat token baru di Polise.",
                "code",
            )
        else:
            message, kind = _message(rng, authors)
        if n == merge_at:
            head = _merge_feature_branch(w, rng, head=head, authors=authors, when=when, ext=ext)
            continue
        head = w.commit(
            branch="main",
            author=author,
            when=when,
            message=message,
            changes=_changes(w, rng, kind=kind, n=n, ext=ext),
            parent=head,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    init = ["git", "init", "--quiet", "--bare", "--initial-branch=main", str(path)]
    subprocess.run(init, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        ["git", "-C", str(path), "fast-import", "--quiet", "--done"],  # noqa: S607
        input=b"".join(w.out) + b"done\n",
        check=True,
    )


def _changes(w: _Writer, rng: random.Random, *, kind: str, n: int, ext: str) -> dict[str, bytes]:
    if kind == "usage":
        name = rng.choice(list(USAGE_PAGES))
        changes = {f"docs/usage/{name}": _usage_page(name, USAGE_PAGES[name], n).encode()}
        if name == "masuk.md":
            changes["docs/usage/gambar/layar-masuk.png"] = PNG
        return changes
    if kind == "database":
        table = rng.choice(list(TABLES))
        columns = [*TABLES[table], (f"kolom_{n}", "text", "catatan tambahan")]
        return {f"docs/database/{table}.md": _table_page(table, columns).encode()}
    if kind == "deps":
        return {"requirements.txt": f"django==5.2.{n % 9}\n".encode()}
    module = f"src/modul_{rng.randint(1, 12)}.{ext}"
    path = f"tests/test_modul_{n % 7}.{ext}" if kind == "test" else module
    before = w.files.get(path, b"")
    return {path: before + f"// perubahan {n}\n".encode()}


def _merge_feature_branch(
    w: _Writer, rng: random.Random, *, head: int, authors: list[Author], when: datetime, ext: str
) -> int:
    """Two commits on a feature branch, then merged into main with a merge commit."""
    author = rng.choice(authors)
    side = head
    branch_changes: dict[str, bytes] = {}
    for i, text in enumerate(["formulir isian bertahap", "simpan draf otomatis"]):
        changes = {f"src/formulir.{ext}": f"// {text}\n".encode() * (i + 1)}
        branch_changes.update(changes)
        side = w.commit(
            branch="fitur/formulir-bertahap",
            author=author,
            when=when - timedelta(hours=5 - i),
            message=f"feat(formulir): {text}",
            changes=changes,
            parent=side,
        )
    return w.commit(
        branch="main",
        author=author,
        when=when,
        message="Merge branch 'fitur/formulir-bertahap'",
        changes=branch_changes,
        parent=head,
        merge=side,
    )
