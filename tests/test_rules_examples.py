"""Every Bad and Good example of docs/rules.md behaves as the page says:
each Bad fires its rule, each Good fires no rule of its family.

The examples are written as parts of the bundled programme: they use its
content library and segments (playbooks/content.nurture, scoring.nurture).
Each example is run with the least of that library it needs to check:
nothing, the content library, or the scoring file (which imports the
content library), so an example may declare a score or segments of its own
and still send the bundled content. A fragment of a flow (steps only) is
run inside a minimal flow that is clean itself (entry, goal, exits)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.lint.registry import RULES

from .conftest import PLAYBOOKS, write

TODAY = "2026-11-22"
_DECLARATION = re.compile(r"^\s*(flow|content|segment|score|policy|playbook|attribute|event|import)\b", re.M)


_FILE = re.compile(r"^# file: (\S+)[^\n]*\n", re.M)


def _programme(tmp_path, snippet: str):
    """The example as a file of a project holding the bundled library; an
    example of several files (each starts at a `# file: NAME` line) as
    those files, and the folder is what is linted."""
    for name in ("content.nurture", "scoring.nurture"):
        shutil.copy(PLAYBOOKS / name, tmp_path / name)
    write(tmp_path, "nurturedsl.toml", "")
    parts = _FILE.split(snippet)
    if len(parts) > 1:
        for name, text in zip(parts[1::2], parts[2::2]):
            write(tmp_path, name, text)
        assert CliRunner().invoke(main, ["check", str(tmp_path)]).exit_code == 0, snippet
        return tmp_path
    if not _DECLARATION.search(snippet):
        snippet = (
            'flow example {\n  entry on downloaded("guide")\n  goal booked("demo")\n'
            '  exit on unsubscribed, booked("demo")\n' + snippet + "\n}\n"
        )
    for library in ("", 'import "content.nurture"\n', 'import "scoring.nurture"\n'):
        text = library + snippet
        path = write(tmp_path, "example.nurture", text + "\n")
        if CliRunner().invoke(main, ["check", str(path)]).exit_code == 0:
            return path
    pytest.fail(f"the example does not check, with or without the bundled library:\n{snippet}")


def _suppressed(snippet: str) -> set[str]:
    """The rules an example's `# nurture: ignore[...]` comments name: a
    suppression can only be judged unused when what it names is checked."""
    return {name.strip() for group in re.findall(r"ignore\[([^\]]*)\]", snippet) for name in group.split(",")}


def _codes(path, select: str) -> set[str]:
    result = CliRunner().invoke(
        main, ["lint", str(path), "--format", "json", "--today", TODAY, "--select", select], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    return {d["code"] for d in json.loads(result.output)["diagnostics"]}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_bad_example_fires_its_rule(tmp_path, rule):
    bad = rule.doc().bad
    path = _programme(tmp_path, bad)
    assert rule.code in _codes(path, ",".join(sorted({rule.code} | _suppressed(bad))))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_good_example_fires_nothing_of_its_family(tmp_path, rule):
    path = _programme(tmp_path, rule.doc().good)
    family = sorted(r.code for r in RULES if r.family == rule.family)
    assert _codes(path, ",".join(family)) == set()
