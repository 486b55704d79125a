"""A parsed YAML file that remembers where each key stood, so findings can name a line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Key = str | int


@dataclass
class Document:
    path: str
    data: Any = None
    text: str = ""
    lines: dict[tuple[Key, ...], tuple[int, int]] = field(default_factory=dict)
    error: str | None = None
    error_line: int | None = None

    def where(self, *keys: Key) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the deepest known key on the way to `keys`."""
        for end in range(len(keys), -1, -1):
            found = self.lines.get(tuple(keys[:end]))
            if found:
                return found
        return None, None


def load_document(path: Path, display: str) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Document(display, error=f"cannot read: {exc}")
    return parse_document(text, display)


def parse_document(text: str, display: str) -> Document:
    doc = Document(display, text=text)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        doc.data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        doc.error = " ".join(str(exc).split())
        doc.error_line = mark.line + 1 if mark else None
        return doc
    if node is not None:
        _index(node, (), doc.lines)
        doc.lines[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
    return doc


def _index(
    node: yaml.Node, prefix: tuple[Key, ...], out: dict[tuple[Key, ...], tuple[int, int]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*prefix, key_node.value)
            out.setdefault(key, (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
            _index(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = (*prefix, i)
            out.setdefault(key, (item.start_mark.line + 1, item.start_mark.column + 1))
            _index(item, key, out)


def mapping(value: Any) -> dict[str, Any]:
    """`value` if it is a mapping, else empty: rules keep going on files the schema rejected."""
    return value if isinstance(value, dict) else {}


def list_or_dict(value: Any) -> dict[str, Any]:
    """Compose's `list_or_dict` (labels, environment) as a dict; `KEY` alone maps to None."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for item in value:
            key, sep, val = str(item).partition("=")
            out[key] = val if sep else None
        return out
    return {}
