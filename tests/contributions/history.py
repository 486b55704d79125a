"""A deterministic git history for the contribution scan (`git fast-import`): many authors,
`.mailmap` aliases, co-author trailers (a bot's among them), merges, renames, deletions,
binary files, generated / vendored / lock files, docs under both docs paths, `.gitattributes`
marks, `polise.yaml` docs paths, a GitHub noreply author, a bot and an author whose name is
not UTF-8. The test and the benchmark (bench/contributions) share it.

`build` returns what the generator knows: the category it meant for every path, and how often
each (mailmapped) identity was named as a co-author, so a test can check the scan against
git's own numbers and the generator's intent.
"""

from __future__ import annotations

import random
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# (name bytes, e-mail) as written in commits; .mailmap folds the aliases onto the first.
PEOPLE: list[tuple[bytes, str]] = [
    (b"Ayu Lestari", "ayu@diskominfo.example.go.id"),
    (b"Budi Santoso", "budi@vendor-satu.example.co.id"),
    (b"Citra Dewi", "citra@vendor-dua.example.co.id"),
    (b"Dimas Pratama", "dimas@diskominfo.example.go.id"),
    (b"Eka Putri", "eka@vendor-satu.example.co.id"),
    (b"Jos\xe9 Mart\xednez", "jose@vendor-dua.example.co.id"),  # Latin-1, not UTF-8
    (b"Sari Wulandari", "81234+sariw@users.noreply.github.com"),
    ("Gede Ārya".encode(), "gede@diskominfo.example.go.id"),
]
ALIASES: list[tuple[bytes, str, int]] = [
    # name, e-mail, index into PEOPLE the alias is folded onto
    (b"ayu", "ayu.lestari@laptop.local", 0),
    (b"Budi S", "BUDI@old-vendor.example.com", 1),
    (b"dimas", "dimas@users.noreply.github.com", 3),
]
BOT = (b"dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
MAILMAP = (
    "Ayu Lestari <ayu@diskominfo.example.go.id> <ayu.lestari@laptop.local>\n"
    "Budi Santoso <budi@vendor-satu.example.co.id> <BUDI@old-vendor.example.com>\n"
    "Dimas Pratama <dimas@diskominfo.example.go.id> <dimas@users.noreply.github.com>\n"
)
GITATTRIBUTES = (
    "generated/** linguist-generated\n"
    "static/lib/** linguist-vendored\n"
    "guides/** linguist-documentation\n"
    "vendor/keep/** -linguist-vendored\n"
)
POLISE_YAML = "name: simpeg\ndocs:\n  usage: docs/usage\n  database: docs/database\n"

# kind -> (folder, file suffix, category the scan must give)
KINDS: dict[str, tuple[str, str, str]] = {
    "code": ("src/modul", ".py", "code"),
    "tests": ("tests/modul", ".py", "tests"),
    "usage": ("docs/usage/bab", ".md", "usage_docs"),
    "guides": ("guides/bab", ".md", "usage_docs"),
    "database": ("docs/database/tabel", ".md", "database_docs"),
    "generated": ("generated/api", ".json", "excluded"),
    "vendored": ("static/lib/pustaka", ".js", "excluded"),
    "kept": ("vendor/keep/util", ".go", "code"),
    "lock": ("", "package-lock.json", "excluded"),
    "binary": ("assets/gambar", ".png", "excluded"),
}
WEIGHTS = [40, 12, 8, 4, 6, 4, 3, 2, 2, 3]


@dataclass
class History:
    path: Path
    categories: dict[str, str] = field(default_factory=dict)  # path -> intended category
    co_authored: Counter[str] = field(default_factory=Counter)  # mailmapped e-mail, lowercase
    commits: int = 0
    merges: int = 0


def _canonical(email: str) -> str:
    for _name, alias, index in ALIASES:
        if alias.lower() == email.lower():
            return PEOPLE[index][1].lower()
    return email.lower()


def build(path: Path, commits: int, *, seed: int = 15, bare: bool = False) -> History:
    """A repository at `path` with about `commits` commits on `main` (merges included)."""
    rng = random.Random(seed)
    history = History(path)
    contents: dict[str, list[str]] = {}
    binaries: dict[str, bytes] = {}
    side: set[str] = set()  # paths a feature branch touched (its merge writes them on main)
    on_side = False
    out: list[bytes] = []
    start = 1_600_000_000
    mark = 0

    def data(blob: bytes) -> bytes:
        return f"data {len(blob)}\n".encode() + blob + b"\n"

    def who() -> tuple[bytes, str]:
        roll = rng.random()
        if roll < 0.03:
            return BOT
        if roll < 0.15:
            name, email, _ = rng.choice(ALIASES)
            return name, email
        return rng.choice(PEOPLE[:4] * 3 + PEOPLE[4:])

    def new_path(kind: str) -> str:
        folder, suffix, category = KINDS[kind]
        if kind == "lock":
            name = suffix if rng.random() < 0.7 else f"web/{suffix}"
        else:
            name = f"{folder}{rng.randrange(6)}/berkas_{rng.randrange(40)}{suffix}"
        history.categories[name] = category
        return name

    def change(kind: str) -> list[bytes]:
        ops: list[bytes] = []
        if kind == "binary":
            name = new_path(kind)
            blob = bytes(rng.randrange(256) for _ in range(64)) + b"\0\x89PNG"
            binaries[name] = blob
            side.add(name)
            return [b"M 100644 inline " + name.encode() + b"\n" + data(blob)]
        existing = [
            p
            for p in contents
            if history.categories.get(p) == KINDS[kind][2] and p.endswith(KINDS[kind][1])
        ]
        roll = rng.random()
        if on_side:
            roll = max(roll, 0.1)  # no renames or deletions on a branch: its merge is simple
        if existing and roll < 0.06:  # a rename, sometimes with an edit
            old = rng.choice(existing)
            new = new_path(kind)
            if new in contents or new == old:
                return ops
            ops.append(f"R {old} {new}\n".encode())
            contents[new] = contents.pop(old)
            if rng.random() < 0.5:
                contents[new].append(f"disunting setelah pindah {rng.random():.6f}")
                ops.append(b"M 100644 inline " + new.encode() + b"\n" + data(_text(contents[new])))
            return ops
        if existing and roll < 0.09:  # a deletion
            gone = rng.choice(existing)
            del contents[gone]
            return [f"D {gone}\n".encode()]
        name = rng.choice(existing) if existing and roll < 0.7 else new_path(kind)
        lines = contents.setdefault(name, [])
        side.add(name)
        for _ in range(rng.randrange(1, 12)):
            what = rng.random()
            if lines and what < 0.3:
                lines[rng.randrange(len(lines))] = f"ubah {rng.random():.8f}"
            elif lines and what < 0.4:
                del lines[rng.randrange(len(lines))]
            else:
                lines.insert(rng.randrange(len(lines) + 1), f"baris {rng.random():.8f}")
        if kind == "generated" and rng.random() < 0.2:  # a big dump now and then
            lines.extend(f'{{"id": {i}}}' for i in range(rng.randrange(200, 800)))
        return [b"M 100644 inline " + name.encode() + b"\n" + data(_text(lines))]

    def commit(branch: str, parent: int, *, merge: int = 0, first: bool = False) -> int:
        nonlocal mark
        mark += 1
        name, email = who()
        stamp = f"{start + mark * 900} +0700"
        title = f"perubahan nomor {mark}".encode()
        body = b""
        if not merge and rng.random() < 0.12:
            co_name, co_email = rng.choice([*PEOPLE, *[(n, e) for n, e, _ in ALIASES], BOT])
            if _canonical(co_email) != _canonical(email) and (co_name, co_email) != BOT:
                history.co_authored[_canonical(co_email)] += 1
            body = b"\n\nCo-authored-by: " + co_name + f" <{co_email}>".encode() + b"\n"
        message = (title + body) if not merge else f"Merge branch fitur-{merge}".encode()
        head = (
            f"commit refs/heads/{branch}\nmark :{mark}\n".encode()
            + b"author " + name + f" <{email}> {stamp}\n".encode()
            + b"committer " + name + f" <{email}> {stamp}\n".encode()
            + data(message)
        )  # fmt: skip
        out.append(head)
        if parent:
            out.append(f"from :{parent}\n".encode())
        if merge:
            out.append(f"merge :{merge}\n".encode())
            history.merges += 1
            for touched in sorted(side):
                if touched in binaries:
                    blob = binaries[touched]
                elif touched in contents:
                    blob = _text(contents[touched])
                else:
                    continue
                out.append(b"M 100644 inline " + touched.encode() + b"\n" + data(blob))
        elif first:
            for name_, text in (
                (".mailmap", MAILMAP),
                (".gitattributes", GITATTRIBUTES),
                ("polise.yaml", POLISE_YAML),
            ):
                history.categories[name_] = "code"
                out.append(f"M 100644 inline {name_}\n".encode() + data(text.encode()))
            history.categories["README.md"] = "usage_docs"
            contents["README.md"] = ["# SIMPEG"]
            out.append(b"M 100644 inline README.md\n" + data(b"# SIMPEG\n"))
        else:
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                kind = rng.choices(list(KINDS), WEIGHTS)[0]
                out.extend(change(kind))
        out.append(b"\n")
        history.commits += 1
        return mark

    main_tip = commit("main", 0, first=True)
    while history.commits < commits:
        if rng.random() < 0.04:  # a feature branch of 1-3 commits, merged back
            tip = main_tip
            on_side = True
            side.clear()
            for _ in range(rng.randrange(1, 4)):
                tip = commit("fitur", tip)
            main_tip = commit("main", main_tip)  # main moved on meanwhile
            on_side = False
            main_tip = commit("main", main_tip, merge=tip)
        else:
            main_tip = commit("main", main_tip)
    init = ["git", "init", "--quiet", "--initial-branch=main", *(["--bare"] if bare else [])]
    subprocess.run([*init, str(path)], check=True)
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet", "--done"],
        input=b"".join(out) + b"done\n",
        check=True,
    )
    if not bare:
        subprocess.run(["git", "-C", str(path), "checkout", "--quiet", "-f", "main"], check=True)
    return history


def _text(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()
