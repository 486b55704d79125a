"""Commit messages to news items: Conventional Commits, free-form messages, skip rules."""

from polise.news.parse import Category, Rules, parse_message


def test_conventional_commit_with_scope_breaking_mark_body_and_footers():
    message = parse_message(
        "feat(laporan)!: ekspor ke PDF\n\nLaporan bulanan bisa diunduh.\n\n"
        "BREAKING CHANGE: format CSV lama dihapus\nRefs #12\nCo-authored-by: Budi <budi@x.go.id>\n"
    )
    assert (message.type, message.scope, message.title) == ("feat", "laporan", "ekspor ke PDF")
    assert message.breaking and message.breaking_note == "format CSV lama dihapus"
    assert message.body == "Laporan bulanan bisa diunduh."
    assert ("Refs", "12") in message.footers
    assert ("Co-authored-by", "Budi <budi@x.go.id>") in message.footers


def test_breaking_change_footer_alone_marks_a_breaking_change():
    message = parse_message("fix: hitung cuti\n\nBREAKING-CHANGE: kolom sisa_cuti dihapus")
    assert message.breaking and message.breaking_note == "kolom sisa_cuti dihapus"
    assert Rules().category(message, []) == Category.BREAKING


def test_a_free_form_message_keeps_its_first_line_as_title_under_other():
    message = parse_message("Perbaiki tampilan tabel di HP\n\nKolom terlalu lebar.")
    assert (message.type, message.title, message.body) == (
        "",
        "Perbaiki tampilan tabel di HP",
        "Kolom terlalu lebar.",
    )
    assert Rules().category(message, ["src/table.py"]) == Category.OTHER


def test_categories_follow_the_type_and_docs_are_named_by_their_paths():
    rules = Rules()
    assert rules.category(parse_message("feat: a"), []) == Category.FEATURE
    assert rules.category(parse_message("fix: a"), []) == Category.FIX
    assert rules.category(parse_message("perf: a"), []) == Category.PERFORMANCE
    assert rules.category(parse_message("docs: a"), []) == Category.DOCS
    assert rules.category(parse_message("refactor: a"), []) == Category.OTHER
    assert rules.category(parse_message("Perbarui panduan"), ["docs/usage/a.md"]) == Category.DOCS
    assert rules.docs_touched(["docs/usage/a.md", "docs/database/pegawai.md"]) == (True, True)
    assert rules.docs_touched(["README.md"]) == (True, False)
    assert rules.docs_touched(["src/docs/usage.py"]) == (False, False)


def _skip(
    rules: Rules, raw: str, *, author=("Ayu", "ayu@x.go.id"), merge=False, paths=("src/a.py",)
):
    return rules.skip_reason(
        parse_message(raw), raw_message=raw, author_name=author[0], author_email=author[1],
        is_merge=merge, paths=list(paths),
    )  # fmt: skip


def test_default_skip_rules():
    rules = Rules()
    assert _skip(rules, "feat: a") == ""
    assert _skip(rules, "Bebas saja") == ""
    assert _skip(rules, "chore: bump") == "type chore"
    for kind in ("ci", "test", "style", "build"):
        assert _skip(rules, f"{kind}: x") == f"type {kind}"
    assert _skip(rules, "Merge branch 'x'", merge=True) == "merge commit"
    assert _skip(rules, "feat: a [no-news]") == "skip marker"
    assert (
        _skip(
            rules,
            "fix(deps): bump",
            author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        )
        == "bot author"
    )
    assert _skip(rules, "") == "empty message"
    assert _skip(rules, "chore!: drop IE") == "", "a breaking change is always news"


def test_rules_from_polise_yaml():
    rules = Rules.from_manifest(
        "news:\n  types: [feat, fix]\n  skip_marker: '[diam]'\n  skip_paths: [infra]\n"
        "docs:\n  usage: docs/panduan\n  database: docs/db\n"
    )
    assert _skip(rules, "perf: cepat") == "type perf not in news.types"
    assert _skip(rules, "feat: a [no-news]") == ""
    assert _skip(rules, "feat: a [diam]") == "skip marker"
    assert _skip(rules, "fix: a", paths=["infra/stack.yml"]) == "only news.skip_paths changed"
    assert rules.docs_touched(["docs/panduan/a.md", "docs/db/t.md"]) == (True, True)
    broken = Rules.from_manifest("news: [unclosed")
    assert broken.problems and broken.types is None


def test_bad_input_makes_a_plain_item():
    long = parse_message("fix: " + "x" * 500 + "\n\n" + "baris\n" * 10_000)
    assert len(long.title) == 300 and len(long.body) <= 20_000 and long.truncated
    weird = parse_message("feat: <script>alert(1)</script> \x00\x1b[31m")
    assert weird.title == "<script>alert(1)</script> [31m"  # kept as text, rendered escaped
