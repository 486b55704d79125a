"""Render the docs of N apps x P pages from a cold cache, as the docs job does after a push.

Each app gets its own git repository (built with `git fast-import`: P Markdown pages of about
1.5 KB, each unique, with headings, lists, a table, code, relative links and an image), mirrored
through the forge. Then, timed: `docs_build` for every app (tree, blobs, markdown-it, nh3,
cache rows, page rows, search index). Last, one page of every app changes and the docs are
built again: only the changed blob is rendered.

    .venv/bin/python bench/appdocs/render_cold.py [APPS=200] [PAGES=50]
    DATABASE_URL=postgres://... .venv/bin/python bench/appdocs/render_cold.py
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import setup  # noqa: F401 - Django first
from django.conf import settings
from django.db import connection
from setup import bench_unit, markdown_page

from polise.appdocs import services
from polise.appdocs.models import DocPage, RenderedPage
from polise.catalog.models import App
from polise.forge.mirrors import services as mirrors

APPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
PAGES = int(sys.argv[2]) if len(sys.argv) > 2 else 50


def fast_import(path: Path, files: dict[str, str], message: str, parent: bool) -> None:
    out = []
    out.append("commit refs/heads/main\nmark :1\n")
    out.append("committer Bench <bench@example.go.id> 1700000000 +0700\n")
    data = message.encode()
    out.append(f"data {len(data)}\n{message}\n")
    if parent:
        out.append("from refs/heads/main^0\n")
    for name, text in files.items():
        blob = text.encode()
        out.append(f"M 100644 inline {name}\ndata {len(blob)}\n{text}\n")
    stream = "".join(out).encode()
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=stream, check=True)


def main() -> None:
    rng = random.Random(18)
    root = Path(settings.DATA_DIR) / "bench-repos"
    apps = []
    unit = bench_unit()
    started = time.monotonic()
    for n in range(APPS):
        slug = f"app{n:03d}"
        path = root / f"{slug}.git"
        subprocess.run(["git", "init", "--bare", "--quiet", "-b", "main", str(path)], check=True)
        names = [f"halaman-{p:02d}.md" for p in range(PAGES - 1)]
        files = {"README.md": markdown_page(rng, f"{slug} README", ["docs/usage/halaman-00.md"])}
        for name in names:
            files[f"docs/usage/{name}"] = markdown_page(rng, f"{slug} {name}", rng.sample(names, 3))
        fast_import(path, files, "docs", parent=False)
        app, _ = App.objects.get_or_create(
            slug=slug, defaults={"name": slug, "repo": f"bench/{slug}", "owner_unit": unit}
        )
        mirrors.mirror_set_remote(repo=app.repo, url=str(path))
        mirrors.mirror_fetch(repo=app.repo)
        apps.append((app, path, names))
    print(f"setup: {APPS} repositories mirrored in {time.monotonic() - started:.1f} s")

    assert RenderedPage.objects.count() == 0
    wall, cpu = time.monotonic(), time.process_time()
    for app, _path, _names in apps:
        services.docs_build(app=app)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    pages = DocPage.objects.filter(status="rendered").count()
    print(f"database: {connection.vendor}")
    print(
        f"cold: {APPS} apps x {PAGES} pages = {pages} pages rendered in {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU (this process); {1000 * wall / pages:.2f} ms/page, "
        f"{wall / APPS:.2f} s/app"
    )
    assert pages == APPS * PAGES, pages

    for app, path, names in apps:
        name = f"docs/usage/{names[0]}"
        fast_import(path, {name: markdown_page(rng, "changed", names[:2])}, "one page", True)
        mirrors.mirror_fetch(repo=app.repo)
    before = RenderedPage.objects.count()
    wall = time.monotonic()
    for app, _path, _names in apps:
        services.docs_build(app=app)
    wall = time.monotonic() - wall
    rendered = RenderedPage.objects.count() - before
    print(
        f"next push (one page changed per app): {rendered} pages rendered, "
        f"{APPS * PAGES - rendered} from the cache, {wall:.1f} s for {APPS} apps"
    )


if __name__ == "__main__":
    main()
