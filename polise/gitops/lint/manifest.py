"""`polise.yaml`, the app's catalog entry, against its published JSON Schema."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

import jsonschema

from polise.gitops.lint.context import Check, LintContext, Report

SCHEMA_FILE = "polise.schema.json"


def manifest_schema_text() -> str:
    return files("polise.gitops").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(manifest_schema_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def check_manifest_schema(report: Report, ctx: LintContext) -> None:
    for error in sorted(_validator().iter_errors(report.doc.data), key=lambda e: list(e.path)):
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        report.add("PLS300", *error.absolute_path, detail=f"{where}: {error.message}")


MANIFEST_CHECKS: list[Check] = [check_manifest_schema]
