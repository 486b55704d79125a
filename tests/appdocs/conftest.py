from __future__ import annotations

# A tiny PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


DOCS = {
    "README.md": "# SIMPEG\n\nSee the [guide](docs/usage/index.md).\n",
    "docs/usage/index.md": (
        "# Panduan SIMPEG\n\nMulai dari [cuti](cuti.md#mengajukan) dan [README](../../README.md).\n\n"
        "![Layar cuti](img/cuti.png)\n\n## Masuk\n\nMasuk dengan akun kantor.\n"
    ),
    "docs/usage/cuti.md": (
        "# Pengajuan cuti\n\n## Mengajukan\n\nPegawai mengajukan permohonan cuti tahunan.\n"
    ),
    "docs/usage/img/cuti.png": PNG,
    "docs/database/schema.md": (
        "# Skema\n\n## pegawai\n\n| column | meaning |\n|---|---|\n| `id` | key |\n| `nama` | name |\n"
    ),
}
