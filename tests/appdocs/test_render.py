"""The Markdown renderer on its own: safe output, headings, links and images."""

from __future__ import annotations

import time
from html.parser import HTMLParser

from polise.appdocs import render


def attributes(html: str) -> list[tuple[str, str, str]]:
    """Every (tag, attribute, value) of real elements in `html`."""
    found: list[tuple[str, str, str]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((tag, name, value or "") for name, value in attrs)

    Parser().feed(html)
    return found


HOSTILE = b"""# Title
<script>alert(1)</script>
<img src=x onerror="alert(2)">
<iframe src="https://evil.example/"></iframe>
<svg onload=alert(3)><script>alert(4)</script></svg>
[js](javascript:alert(5)) [JS](  JaVaScRiPt:alert(6)) [tab](java\tscript:alert(7))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)
[vb](vbscript:msgbox(9)) [ok](https://example.org/x) [mail](mailto:a@example.org)
![remote](https://tracker.example/pixel.png) ![d](data:image/png;base64,AAAA)
![svg](pic.svg) ![up](../../../../etc/passwd.png)
<a href="javascript:alert(10)">raw</a>
"""


def test_hostile_markdown_has_no_script_handler_or_dangerous_url():
    out = render.render_markdown(HOSTILE, path="docs/usage/evil.md")
    html = out.html.lower()
    assert "<script" not in html
    assert "<iframe" not in html
    assert "<svg" not in html
    for tag, name, value in attributes(out.html):
        assert not name.startswith("on"), (tag, name)
        if name in ("href", "src"):
            assert not value.strip().lower().startswith(("javascript", "data", "vbscript")), value
    for bad in ('href="data:', 'href="vbscript', 'src="data:', "tracker.example"):
        assert bad not in html, bad
    assert 'href="https://example.org/x"' in out.html
    assert 'href="mailto:a@example.org"' in out.html
    assert '<img src="pic.svg"' in out.html  # from the repo: served by Polise as attachment
    assert "passwd" not in out.html.split("alt=")[0]
    # raw HTML is shown as text, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html


def test_relative_links_stay_inside_the_repository():
    src = b"[a](other.md#part) [b](../../README.md) [c](../../../out.md) [d](/docs/x.md) ![i](img/a.png) ![t](a.txt)"
    html = render.render_markdown(src, path="docs/usage/index.md").html
    assert 'href="other.md#doc-part"' in html
    assert 'href="../../README.md"' in html
    assert 'href="../x.md"' in html
    assert "out.md" not in html
    assert 'src="img/a.png"' in html
    assert 'src="a.txt"' not in html


def test_headings_get_unique_ids_and_a_table_of_contents():
    out = render.render_markdown(b"# Judul\n## Masuk\n### Lupa sandi\n## Masuk\n", path="README.md")
    assert out.title == "Judul"
    assert [h.id for h in out.toc] == ["doc-judul", "doc-masuk", "doc-lupa-sandi", "doc-masuk-2"]
    assert 'id="doc-masuk-2"' in out.html
    toc = render.toc_html(out.toc)
    assert toc.count("<li>") == 3 and 'href="#doc-lupa-sandi"' in toc


def test_invalid_utf8_and_control_characters_are_handled():
    out = render.render_markdown(b"# Caf\xe9\n\nok \x02 \x03", path="a.md")
    assert "\ufffd" in out.title
    assert out.notes and "UTF-8" in out.notes[0]
    assert "\x02" not in out.text and "\x03" not in out.text


def test_deep_nesting_is_rendered_quickly_and_safely():
    started = time.monotonic()
    for src in ("- " * 5000 + "x", ">" * 50000 + " x", "<div>" * 50000 + "x", "[" * 50000):
        out = render.render_markdown(src.encode(), path="deep.md")
        assert out.html.count("<ul>") <= 25 and out.html.count("<blockquote>") <= 25
    assert time.monotonic() - started < 20  # generous: guards against a pathological blow-up


def test_cache_key_depends_on_blob_and_folder_only():
    assert render.cache_key("a" * 40, "docs/x.md") == render.cache_key("a" * 40, "docs/y.md")
    assert render.cache_key("a" * 40, "docs/x.md") != render.cache_key("a" * 40, "x.md")
    assert render.cache_key("a" * 40, "x.md") != render.cache_key("b" * 40, "x.md")
