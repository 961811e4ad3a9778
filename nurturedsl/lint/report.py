"""A lint result in each output format: text for people, a versioned JSON
document, SARIF 2.1.0 for code scanning, and GitHub workflow commands."""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from collections.abc import Mapping
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..diagnostics import Diagnostic, Severity, render_text, summary
from ..source import SourceFile
from . import catalogue
from .rule import Rule

if TYPE_CHECKING:  # pragma: no cover
    from .engine import LintResult

JSON_REPORT_VERSION = "1.0"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(output_format: str, result: LintResult, rules: list[type[Rule]], colour: bool = False) -> str:
    if output_format == "text":
        return text(result, colour)
    if output_format == "json":
        return json_report(result)
    if output_format == "sarif":
        return sarif(result, rules)
    if output_format == "github":
        return github(result)
    raise ValueError(output_format)


def text(result: LintResult, colour: bool = False) -> str:
    parts = [render_text(d, result.sources, colour) + "\n\n" for d in result.diagnostics]
    return "".join(parts) + summary(result.diagnostics, len(result.files)) + "\n"


def _counts(diagnostics: list[Diagnostic]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for d in diagnostics:
        counts[{"error": "errors", "warning": "warnings", "info": "infos"}[d.severity.value]] += 1
    return counts


def json_report(result: LintResult) -> str:
    import json  # only for this format: the text report starts without it

    diagnostics: list[dict[str, Any]] = []
    for d in result.diagnostics:
        span = d.span
        diagnostics.append(
            {
                "code": d.code,
                "name": d.name or None,
                "severity": d.severity.value,
                "message": d.message,
                "path": _slash(span.file) if span else None,
                "line": span.line if span else None,
                "column": span.column if span else None,
                "end_line": span.end_line if span else None,
                "end_column": span.end_column if span else None,
                "notes": list(d.notes),
                "hints": list(d.hints),
            }
        )
    document = {
        "version": JSON_REPORT_VERSION,
        "tool": {"name": "nurturedsl", "version": __version__},
        "summary": {**_counts(result.diagnostics), "files": len(result.files), "broken": result.broken},
        "diagnostics": diagnostics,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------- SARIF --

_CORE_RULE = {
    "id": "NUR000",
    "name": "playbook-error",
    "short": "The playbook cannot be read, parsed or checked.",
    "full": (
        "Errors from `nurturedsl check`: syntax, unknown or duplicate names, type errors, impossible "
        "values and broken imports. A playbook with such errors is not linted."
    ),
}


def _slash(path: str) -> str:
    return path.replace(os.sep, "/")


def _uri(path: str) -> tuple[str, str | None]:
    """A URI reference relative to the source root (the working directory),
    or an absolute file URI for a file outside it. Percent-encoded (RFC
    3986): a space, `#`, `%`, `:` or non-ASCII in a path written raw is no
    URI, and a raw `#` would cut the path short at a fragment."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive, on Windows
        relative = os.pardir
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return Path(absolute).as_uri(), None
    # the bytes the file system uses, so a name that is not UTF-8 is kept
    return urllib.parse.quote(os.fsencode(_slash(relative)), safe="/"), "%SRCROOT%"


def _source_root() -> str:
    uri = Path(os.getcwd()).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    doc = rule.doc()
    cites = [(key, catalogue.SOURCES[key]) for key in catalogue.cited(doc.rationale)]
    help_text = "\n\n".join([doc.rationale] + [f"{key}: {reference}" for key, reference in cites])
    markdown = "\n\n".join([doc.rationale] + [f"**{key}**: {reference}" for key, reference in cites])
    markdown = f"{markdown}\n\n**Bad**\n\n```nurture\n{doc.bad}\n```\n\n**Good**\n\n```nurture\n{doc.good}\n```"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.rationale or doc.summary},
        "help": {"text": help_text or doc.summary, "markdown": markdown},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": ["nurture", rule.family], "family": rule.family},
    }


def sarif(result: LintResult, rules: list[type[Rule]]) -> str:
    import json  # only for this format: the text report starts without it

    descriptors = [_descriptor(rule) for rule in rules]
    index = {rule.code: i for i, rule in enumerate(rules)}
    core_codes = sorted({d.code for d in result.diagnostics if d.code not in index})
    for code in core_codes:
        index[code] = len(descriptors)
        descriptors.append(
            {
                "id": code,
                "name": _CORE_RULE["name"],
                "shortDescription": {"text": _CORE_RULE["short"]},
                "fullDescription": {"text": _CORE_RULE["full"]},
                "help": {"text": _CORE_RULE["full"]},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["nurture", "core"]},
            }
        )
    results = []
    occurrences: dict[str, int] = {}
    hashes_by_file: dict[str, dict[int, str]] = {}
    for d in result.diagnostics:
        message = d.message
        if d.notes or d.hints:
            message += "\n" + "\n".join([f"note: {x}" for x in d.notes] + [f"help: {x}" for x in d.hints])
        entry: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _SARIF_LEVEL[d.severity],
            "message": {"text": message},
        }
        if d.span is not None:
            uri, base = _uri(d.span.file)
            location = {"uri": uri}
            if base:
                location["uriBaseId"] = base
            entry["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": {
                            "startLine": d.span.line,
                            "startColumn": d.span.column,
                            "endLine": d.span.end_line,
                            "endColumn": max(d.span.end_column, d.span.column + 1)
                            if d.span.end_line == d.span.line
                            else d.span.end_column,
                        },
                    }
                }
            ]
            fingerprints = {"nurturedslFinding/v1": _fingerprint(d, result.sources, uri, occurrences)}
            if d.span.file not in hashes_by_file:
                hashes_by_file[d.span.file] = _line_hashes_of(d.span.file, result.sources)
            if d.span.line in hashes_by_file[d.span.file]:
                fingerprints["primaryLocationLineHash"] = hashes_by_file[d.span.file][d.span.line]
            entry["partialFingerprints"] = fingerprints
        results.append(entry)
    run = {
        "tool": {
            "driver": {
                "name": "nurturedsl",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": descriptors,
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _source_root()}},
        "results": results,
    }
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _fingerprint(d: Diagnostic, sources: Mapping[str, SourceFile], uri: str, occurrences: dict[str, int]) -> str:
    """Stable while the finding stays: the rule, the file, the message and
    the text of the line, not its number, so edits above it do not make
    code scanning see a new alert. Identical ones are told apart by order."""
    assert d.span is not None
    source = sources.get(d.span.file)
    line = source.line_text(d.span.line).strip() if source else ""
    base = hashlib.sha256(f"{d.code}\x1f{uri}\x1f{d.message}\x1f{line}".encode()).hexdigest()[:32]
    count = occurrences.get(base, 0)
    occurrences[base] = count + 1
    return f"{base}:{count + 1}"


# GitHub code scanning tracks an alert across commits by
# `partialFingerprints.primaryLocationLineHash` alone, and computes it itself
# at upload (github/codeql-action, src/fingerprints.ts) when a result has
# none: a rolling hash of the 100 characters, spaces and tabs left out, from
# the start of the result's line, with `:N` telling apart the Nth line of the
# file with the same hash. Writing the same value here keeps alerts stable
# with any uploader, and matches what upload-sarif would compute (it warns
# when a value differs).
_BLOCK = 100
_MOD = 37
_MASK = (1 << 64) - 1  # codeql-action computes with 64-bit longs that wrap
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_EOF = 65535


def line_hashes(text: str) -> dict[int, str]:
    """`primaryLocationLineHash` of every line of a file (1-based), as GitHub
    computes it from the file's text: UTF-16 code units, spaces and tabs
    skipped, `\\r\\n` and `\\r` read as `\\n`, an end-of-file mark and
    zeros after the last character."""
    window = [0] * _BLOCK
    line_numbers = [-1] * _BLOCK  # the line that starts at each window slot
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    value = index = line_number = 0
    line_start, after_cr = True, False

    def emit() -> None:
        digest = format(value, "x")
        counts[digest] = counts.get(digest, 0) + 1
        out[line_numbers[index]] = f"{digest}:{counts[digest]}"
        line_numbers[index] = -1

    units = memoryview(text.encode("utf-16-le", "surrogatepass")).cast("H")
    for current in chain(units, (_EOF,)):
        if current == 32 or current == 9 or after_cr and current == 10:
            after_cr = False
            continue
        after_cr = current == 13
        if after_cr:
            current = 10
        if line_numbers[index] != -1:
            emit()
        if line_start:
            line_start = False
            line_number += 1
            line_numbers[index] = line_number
        line_start = current == 10
        value = (_MOD * value + current - _FIRST_MOD * window[index]) & _MASK
        window[index] = current
        index = (index + 1) % _BLOCK
    for _ in range(_BLOCK):
        if line_numbers[index] != -1:
            emit()
        value = (_MOD * value - _FIRST_MOD * window[index]) & _MASK
        window[index] = 0
        index = (index + 1) % _BLOCK
    return out


def _line_hashes_of(path: str, sources: Mapping[str, SourceFile]) -> dict[int, str]:
    """GitHub's line hashes of a linted file, from its bytes as GitHub reads
    them at upload (a byte-order mark included), or from the text lint read
    if the file is gone."""
    from ..files import UnreadableInput, read_input
    from ..model import MAX_FILE_BYTES

    try:
        text = read_input(path, MAX_FILE_BYTES, "playbook").decode("utf-8", "replace")
    except UnreadableInput:
        source = sources.get(path)
        if source is None:
            return {}
        text = source.text
    return line_hashes(text)


# ------------------------------------------------------------------ GitHub --


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _workspace_path(path: str) -> str:
    """GitHub places an annotation by its path in the checkout: an absolute
    path inside the workspace (GITHUB_WORKSPACE, else the working directory)
    is made relative to it, as SARIF's URIs are; one outside stays as it is."""
    if not os.path.isabs(path):
        return path
    workspace = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    try:
        relative = os.path.relpath(path, workspace)
    except ValueError:  # another drive, on Windows
        return path
    return path if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def github(result: LintResult) -> str:
    """Workflow commands: each finding becomes an annotation on the line in
    the pull request's diff."""
    lines = []
    for d in result.diagnostics:
        title = f"{d.code} {d.name}" if d.name else d.code
        properties = []
        if d.span is not None:
            properties += [
                f"file={_escape_property(_slash(_workspace_path(d.span.file)))}",
                f"line={d.span.line}",
                f"col={d.span.column}",
                f"endLine={d.span.end_line}",
            ]
            if d.span.end_line == d.span.line:
                properties.append(f"endColumn={d.span.end_column}")
        properties.append(f"title={_escape_property(title)}")
        message = d.message + "".join(f"\n{note}" for note in d.notes)
        lines.append(f"::{_GITHUB_COMMAND[d.severity]} {','.join(properties)}::{_escape_data(message)}")
    lines.append(summary(result.diagnostics, len(result.files)))
    return "\n".join(lines) + "\n"
