"""Django for the docs benchmarks (bench/django_bench.py), and the generated docs they read."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from django_bench import start

start("docs")

WORDS = [
    "aplikasi",
    "pegawai",
    "cuti",
    "tahunan",
    "sakit",
    "laporan",
    "bulanan",
    "anggaran",
    "kegiatan",
    "surat",
    "masuk",
    "keluar",
    "arsip",
    "disposisi",
    "pimpinan",
    "bidang",
    "seksi",
    "dinas",
    "kabupaten",
    "provinsi",
    "layanan",
    "publik",
    "pengaduan",
    "warga",
    "izin",
    "usaha",
    "retribusi",
    "pajak",
    "daerah",
    "air",
    "sungai",
    "bendungan",
    "debit",
    "curah",
    "hujan",
    "stasiun",
    "pengukuran",
    "data",
    "integrasi",
    "sinkronisasi",
    "formulir",
    "tombol",
    "simpan",
    "hapus",
    "ubah",
    "unduh",
    "unggah",
    "berkas",
    "dokumen",
    "tanda",
    "tangan",
    "elektronik",
    "persetujuan",
    "verifikasi",
    "validasi",
    "akun",
    "kata",
    "sandi",
    "masuk",
    "keluar",
    "menu",
    "beranda",
    "dasbor",
    "grafik",
    "tabel",
    "kolom",
    "baris",
    "filter",
    "pencarian",
    "hasil",
    "halaman",
    "pengaturan",
    "profil",
    "notifikasi",
    "pesan",
    "email",
    "telepon",
    "alamat",
    "nomor",
    "induk",
    "jabatan",
    "golongan",
    "pangkat",
    "gaji",
    "tunjangan",
    "presensi",
    "absensi",
    "jadwal",
    "rapat",
    "agenda",
    "undangan",
    "notulen",
    "peserta",
    "login",
    "export",
    "import",
    "report",
    "dashboard",
    "user",
    "admin",
    "role",
    "permission",
    "backup",
    "restore",
    "server",
]


def _vocabulary() -> tuple[list[str], list[float]]:
    """The office words plus 6,000 made-up ones, weighted by Zipf's law (1/rank) as words in
    real text are: a few words are on every page, most are on few."""
    import itertools
    import random

    rng = random.Random(7)
    syllables = ["ba", "ka", "ta", "ma", "na", "ra", "si", "lu", "pe", "ngan", "kan", "di", "po"]
    made_up = sorted(
        {"".join(rng.choices(syllables, k=rng.choice((2, 3, 4)))) for _ in range(9000)}
    )
    words = WORDS + made_up[:6000]
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, list(itertools.accumulate(weights))


VOCABULARY, _CUMULATIVE = _vocabulary()


def word(rng) -> str:
    return rng.choices(VOCABULARY, cum_weights=_CUMULATIVE)[0]


def page_text(rng, n_words: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=n_words))


def markdown_page(rng, title: str, links: list[str]) -> str:
    paragraphs = "\n\n".join(page_text(rng, 60) for _ in range(3))
    rows = "\n".join(f"| `{word(rng)}` | {page_text(rng, 6)} |" for _ in range(6))
    steps = "\n".join(f"{i}. {page_text(rng, 10)}" for i in range(1, 6))
    see = "\n".join(f"- [{link}]({link})" for link in links)
    return (
        f"# {title}\n\n{paragraphs}\n\n## Langkah\n\n{steps}\n\n![Layar](gambar/layar.png)\n\n"
        f"## Kolom\n\n| Kolom | Arti |\n|---|---|\n{rows}\n\n### Contoh\n\n"
        f"```python\nresult = api.get('/{word(rng)}')\n```\n\n## Lihat juga\n\n{see}\n"
    )


def bench_unit():
    from polise.accounts.models import OrgUnit

    unit, _ = OrgUnit.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    return unit
