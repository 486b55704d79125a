"""Markdown of a repository -> safe HTML, a table of contents and plain text for search.

Plain Python (no Django): the job, the benchmark and the tests call `render_markdown`.

What makes the output safe to show inside Polise:
- markdown-it-py with the CommonMark preset (+ tables, strikethrough) and raw HTML turned
  off: `<script>`, `<iframe>`, inline handlers written in the Markdown come out as text;
- then nh3 (ammonia) with a short allow-list of tags and attributes, as a second wall;
- links: http(s) and mailto, or relative links that stay inside the repository; `javascript:`,
  `data:`, `vbscript:` and anything else lose their href;
- images: only relative paths to image files inside the repository (served by Polise from the
  mirror); remote images and data: URIs are dropped, so a page cannot track its readers;
- nesting is capped by markdown-it's maxNesting (20), so deep lists or quotes cannot blow
  the stack or the sanitiser (raw HTML nesting never reaches it).

Relative links keep their relative form: a page at `docs/usage/a.md` is served at
`/apps/<slug>/docs/docs/usage/a.md`, so the browser resolves `b.md` or `img/x.png` to the
portal URL of that file. The output therefore depends only on the page's content and its
folder, which is the cache key (`cache_key`).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_PAGE_BYTES = 1 << 20  # larger files are listed, not rendered
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
PAGE_SUFFIXES = (".md", ".markdown")
ID_PREFIX = "doc-"
RENDERER_VERSION = "1"  # bump to re-render every cached page after a change here

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
    "code": {"class"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
_SAFE_SCHEMES = {"http", "https", "mailto"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TEXT_ALIGN = re.compile(r"^text-align:\s*(left|right|center)$")


@dataclass
class Heading:
    level: int
    text: str
    id: str


@dataclass
class Rendered:
    html: str
    title: str
    toc: list[Heading] = field(default_factory=list)
    text: str = ""
    notes: list[str] = field(default_factory=list)


def cache_key(blob_sha: str, path: str) -> str:
    """What a rendering depends on: the blob, the page's folder and this renderer's version."""
    folder = posixpath.dirname(path)
    return hashlib.sha256(f"{RENDERER_VERSION}\0{blob_sha}\0{folder}".encode()).hexdigest()


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:8000]


def is_page(path: str) -> bool:
    return path.lower().endswith(PAGE_SUFFIXES)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


_md = _markdown()


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return re.sub(r"[\s_-]+", "-", text)[:80] or "section"


def inside_repo(folder: str, target: str) -> str | None:
    """The repository path a relative `target` seen from `folder` names, or None when it
    climbs out of the repository."""
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _relative(folder: str, repo_path: str, *, trailing: str = "") -> str:
    rel = posixpath.relpath(repo_path or ".", folder or ".")
    return rel + trailing


def _link_target(folder: str, url: str, *, image: bool) -> str | None:
    """The href/src to keep, or None to drop it."""
    url = url.strip()
    if not url:
        return None
    if url.startswith("#"):
        return "#" + ID_PREFIX + url[1:] if not image else None
    if "\\" in url or any(ord(c) < 32 for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("//"):
        if image:
            return None  # images only from the repository
        scheme = parts.scheme.lower()
        if scheme == "mailto" or (scheme in ("http", "https") and parts.netloc):
            return url
        return None
    path = unquote(parts.path)
    if not path:
        return None
    target = inside_repo(folder, path)
    if target is None:
        return None
    if image and posixpath.splitext(target)[1].lower() not in IMAGE_TYPES:
        return None
    trailing = "/" if path.endswith("/") and target else ""
    rel = _relative(folder, target, trailing=trailing)
    rel = quote(rel, safe="/.-_~")
    if parts.fragment and not image:
        rel += "#" + ID_PREFIX + parts.fragment
    return rel


def _headings(tokens: list[Token]) -> list[Heading]:
    seen: dict[str, int] = {}
    toc = []
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        text = "".join(
            child.content
            for child in (inline.children or [])
            if child.type in ("text", "code_inline")
        ).strip()
        base = slugify(text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        slug = base if n == 0 else f"{base}-{n + 1}"
        token.attrSet("id", slug)
        toc.append(Heading(int(token.tag[1]), text, ID_PREFIX + slug))
    return toc


def _plain_text(tokens: list[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        if token.type == "inline":
            out.extend(c.content for c in token.children or [] if c.content)
        elif token.type in ("fence", "code_block"):
            out.append(token.content)
    # The search snippets use \x02/\x03 as markers; PostgreSQL's parser drops what looks
    # like a tag (and the words in it), so angle brackets become spaces.
    text = _CONTROL.sub(" ", " ".join(out)).replace("<", " ").replace(">", " ")
    return re.sub(r"\s+", " ", text).strip()


def render_markdown(data: bytes, *, path: str) -> Rendered:
    """Render one Markdown file of the repository found at `path`."""
    notes = []
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError:
        source = data.decode("utf-8", "replace")
        notes.append("invalid UTF-8: undecodable bytes are shown as \ufffd")
    source = source.lstrip("\ufeff")
    folder = posixpath.dirname(path)
    env: dict[str, Any] = {}
    tokens = _md.parse(source, env)
    toc = _headings(tokens)
    html = _md.renderer.render(tokens, _md.options, env)

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "a" and attr == "href":
            return _link_target(folder, value, image=False)
        if tag == "img" and attr == "src":
            return _link_target(folder, value, image=True)
        if attr == "style":
            return value if _TEXT_ALIGN.match(value) else None
        if tag == "code" and attr == "class":
            return value if re.fullmatch(r"language-[\w+-]{1,40}", value) else None
        return value

    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=_SAFE_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        id_prefix=ID_PREFIX,
        strip_comments=True,
    )
    title = toc[0].text if toc and toc[0].level == 1 else ""
    if not title:
        title = posixpath.splitext(posixpath.basename(path))[0].replace("-", " ").replace("_", " ")
    return Rendered(html=clean, title=title, toc=toc, text=_plain_text(tokens), notes=notes)


def toc_html(toc: list[Heading]) -> str:
    """A nested list of the page's headings below its title (h2..h4)."""
    items = [h for h in toc if 2 <= h.level <= 4]
    if not items:
        return ""
    out, depth = ["<ul>"], items[0].level
    first = True
    for h in items:
        level = max(h.level, items[0].level)
        if not first:
            if level > depth:
                out.append("<ul>" * (level - depth))
            elif level < depth:
                out.append("</li>" + "</ul></li>" * (depth - level))
            else:
                out.append("</li>")
        depth = level
        first = False
        out.append(f'<li><a href="#{escape(h.id)}">{escape(h.text)}</a>')
    out.append("</li>" + "</ul></li>" * (depth - items[0].level) + "</ul>")
    return "".join(out)
