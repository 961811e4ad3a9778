"""Lint reports as their real consumers read them: SARIF validated against
the official 2.1.0 schema with format checking on (an `artifactLocation.uri`
must be a percent-encoded URI reference), the `primaryLocationLineHash`
GitHub code scanning tracks alerts by, computed as github/codeql-action
computes it, and every format naming a file the same way however the
command line spelt it. Mermaid is drawn by Mermaid itself in
test_mermaid_consumer.py."""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from nurturedsl import model
from nurturedsl.cli import main
from nurturedsl.lint.report import line_hashes
from nurturedsl.render.overlay import lint_programme

from .conftest import PLAYBOOKS, SHARED, write

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
TODAY = "2027-06-01"  # the bundled playbooks' reviews are stale by then: findings in every file
FLOW = 'flow f {\n  entry on downloaded("x")\n  exit on unsubscribed\n  email welcome: post\n}\n'
CONTENT = 'content post give "Ungated post" unsubscribe link\n'


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="nurturedsl", env={"NO_COLOR": "1"}, catch_exceptions=False)


def format_checker() -> jsonschema.FormatChecker:
    """jsonschema checks `uri-reference` only with rfc3986-validator (or
    rfc3987) installed, and silently passes every string without: a test
    extra, required here rather than skipped."""
    checker = jsonschema.FormatChecker()
    assert "uri-reference" in checker.checkers, (
        "jsonschema cannot check `uri-reference`: install the test extras (rfc3986-validator)"
    )
    return checker


def test_the_format_checker_tells_a_raw_path_from_a_uri_reference():
    checker = format_checker()
    assert not checker.conforms("a b#c.nurture", "uri-reference")
    assert checker.conforms("a%20b%23c.nurture", "uri-reference")


def _sarif(*args: str) -> dict:
    result = run("lint", *args, "--format", "sarif", "--today", TODAY)
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.stdout)


def _artifacts(document: dict):
    for sarif_run in document["runs"]:
        for result in sarif_run["results"]:
            for location in result.get("locations", []):
                yield result, location["physicalLocation"]


ODD_NAMES = [
    "a b.nurture",
    "hash#1.nurture",
    "100%.nurture",
    "c:d.nurture",
    "caf\u00e9 \u6771\u4eac.nurture",
    "odd dir #2/x?y;z[1]@&=+$,.nurture",
]


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason="the official SARIF schema is not beside the repository")
def test_sarif_with_odd_file_names_is_valid_with_formats_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ODD_NAMES:
        write(tmp_path, name, CONTENT + FLOW)
    write(tmp_path, "broken#.nurture", "flow {\n")  # a core error has a location too
    document = _sarif(".")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema, format_checker=format_checker()).validate(document)
    named = set()
    for _result, physical in _artifacts(document):
        artifact = physical["artifactLocation"]
        uri = artifact["uri"]
        parts = urllib.parse.urlsplit(uri)
        # a relative reference that is all path: no scheme (`c:d` is one), no `?query`, no `#fragment`
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", ""), uri
        assert artifact["uriBaseId"] == "%SRCROOT%"
        named.add(urllib.parse.unquote(uri))
    assert named == set(ODD_NAMES) | {"broken#.nurture"}


def test_sarif_names_a_file_outside_the_working_directory_by_an_absolute_file_uri(tmp_path, monkeypatch):
    source = write(tmp_path, "far away #1/f.nurture", CONTENT + FLOW)
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    uris = {physical["artifactLocation"]["uri"] for _result, physical in _artifacts(_sarif(str(source)))}
    assert uris and all(uri.startswith("file:///") for uri in uris)
    assert {urllib.request.url2pathname(urllib.parse.urlsplit(uri).path) for uri in uris} == {str(source)}
    assert format_checker().conforms(uris.pop(), "uri-reference")


@pytest.mark.skipif(os.name != "posix", reason="file names that are not UTF-8 are a POSIX matter")
def test_sarif_keeps_the_bytes_of_a_file_name_that_is_not_utf8(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path(os.fsdecode(b"caf\xe9.nurture")).write_text(CONTENT + FLOW, encoding="utf-8")
    uris = {physical["artifactLocation"]["uri"] for _result, physical in _artifacts(_sarif("."))}
    assert uris == {"caf%E9.nurture"}


# --------------------------------------------------------- fingerprints --

# Computed by github/codeql-action's own hash (src/fingerprints.ts) for these
# texts: CRLF and a lone CR, tabs and spaces, a character outside the BMP
# (two UTF-16 units), no newline at the end; and identical lines, which the
# `:N` suffix tells apart.
KNOWN = {
    "flow f {\r\n\temail a\r\n\temail a\n  wait 7d  # \U0001f600 \u00e9\r\n\n}": {
        1: "830185ee8dd44bc2:1",
        2: "a8c5720c12631017:1",
        3: "5ffc9d260d96520c:1",
        4: "2c988b4cb63a4c7d:1",
        5: "37acdb4f629b03f2:1",
        6: "13db8c734146ff90:1",
    },
    "email a\n" * 20: {
        1: "987cb264da32af24:1",
        2: "987cb264da32af24:2",
        6: "987cb264da32af24:6",
        7: "987cb264da579ff9:1",
        8: "9bad32fe17e4fa86:1",
        9: "86503b3deb66caf:1",
        19: "6d3b401bbdfc61cd:1",
        20: "4a2057c4133b564a:1",
    },
}


@pytest.mark.parametrize("text", list(KNOWN), ids=["mixed", "repeated"])
def test_line_hashes_are_the_ones_codeql_action_computes(text):
    hashes = line_hashes(text)
    assert {line: hashes[line] for line in KNOWN[text]} == KNOWN[text]


def test_every_sarif_result_carries_githubs_line_hash_of_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    # a byte-order mark is a character GitHub hashes, and lint skips: findings on line 1 show it
    (tmp_path / "playbooks" / "bom.nurture").write_bytes(b"\xef\xbb\xbf" + (FLOW + CONTENT).encode())
    document = _sarif("playbooks")
    results = list(_artifacts(document))
    assert len({physical["artifactLocation"]["uri"] for _result, physical in results}) > 3
    assert any(
        physical["artifactLocation"]["uri"].endswith("bom.nurture") and physical["region"]["startLine"] == 1
        for _result, physical in results
    )
    for result, physical in results:
        path = urllib.parse.unquote(physical["artifactLocation"]["uri"])
        expected = line_hashes((tmp_path / path).read_bytes().decode("utf-8"))[physical["region"]["startLine"]]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == expected, result["ruleId"]


def test_githubs_line_hash_follows_the_line_when_lines_are_added_above(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "f.nurture", CONTENT + FLOW)

    def hashes():
        return sorted(
            (r["ruleId"], r["partialFingerprints"]["primaryLocationLineHash"])
            # NUR902 (no review date) is about the file, always on line 1
            for r in _sarif("f.nurture", "--ignore", "NUR902")["runs"][0]["results"]
        )

    before = hashes()
    write(tmp_path, "f.nurture", "# a comment\n\n" + CONTENT + FLOW)
    assert hashes() == before and before


# ------------------------------------------------------------ file names --


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_every_format_names_files_the_same_however_the_command_spells_them(tmp_path, monkeypatch, output_format):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    write(tmp_path, "playbooks/lib/broken.nurture", "flow {\n")  # a core error
    outputs = {}
    for spelling in ("playbooks", "playbooks/", "./playbooks/", "./playbooks//", "playbooks/lib/../"):
        result = run("lint", spelling, "--format", output_format, "--today", TODAY)
        assert result.exit_code == 2, result.output  # the broken file
        outputs[spelling] = result.stdout
    assert len(set(outputs.values())) == 1, outputs
    text = outputs["playbooks"]
    assert "./" not in text.replace("file:///", "") and "../" not in text
    if output_format == "json":
        paths = [d["path"] for d in json.loads(text)["diagnostics"]]
        assert len(set(paths)) >= 5 and paths == sorted(paths)


def test_render_lint_orders_findings_the_same_however_the_root_is_spelt(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # the root sorts after its import when spelt plainly, before it as `./z.nurture`
    write(tmp_path, "q/a.nurture", CONTENT + FLOW.replace("flow f", "flow g"))
    write(tmp_path, "q/z.nurture", 'import "a.nurture"\n' + FLOW)
    found = {}
    for spelling in ("q/z.nurture", "./q/z.nurture", "q/../q/z.nurture"):
        found[spelling] = [(d.code, d.span.file, d.span.line) for d in lint_programme(model.load(spelling))]
    assert len({tuple(f) for f in found.values()}) == 1, found
    assert {file for _, file, _ in found["q/z.nurture"]} == {"q/a.nurture", "q/z.nurture"}


def test_github_annotations_name_files_relative_to_the_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    write(tmp_path, "playbooks/lib/broken.nurture", "flow {\n")
    relative = run("lint", "playbooks", "--format", "github", "--today", TODAY).stdout
    absolute = run("lint", str(tmp_path / "playbooks"), "--format", "github", "--today", TODAY).stdout
    assert "file=playbooks/lib/broken.nurture" in relative
    assert absolute == relative
    # GitHub's own workspace wins over the working directory
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "playbooks"))
    inside = run("lint", str(tmp_path / "playbooks"), "--format", "github", "--today", TODAY).stdout
    assert "file=lib/broken.nurture" in inside
