"""Every lint rule against its two fixture playbooks.

tests/lint/<CODE>/fail.nurture must produce the rule's finding, and the whole
output of `nurturedsl lint --select CODE` on it is pinned in a snapshot
(tests/__snapshots__/test_lint_rules/, one text file per rule, readable in
review). tests/lint/<CODE>/pass.nurture is the same idea done right: it must
check clean and give no finding of that rule. A fixture may start with
`# select: NURxxx, ...` to run other rules beside its own (a suppression
needs the rule it suppresses). A rule about how files fit together has
folders instead, tests/lint/<CODE>/fail/ and pass/, each linted whole.

Add a rule: add its two fixtures, run
`python -m pytest -n 0 tests/test_lint_rules.py --snapshot-update`, read the
new snapshot.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from nurturedsl.cli import main
from nurturedsl.lint.registry import RULES

FIXTURES = Path(__file__).resolve().parent / "lint"
TODAY = "2026-11-22"


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "txt"


@pytest.fixture
def text_snapshot(snapshot):
    return snapshot.use_extension(TextSnapshot)


def lint(*args: str):
    return CliRunner().invoke(
        main,
        ["lint", "--today", TODAY, *args],
        prog_name="nurturedsl",
        env={"NO_COLOR": "1", "FORCE_COLOR": None},
        catch_exceptions=False,
    )


def _fixture(code: str, kind: str) -> Path:
    """tests/lint/<CODE>/<kind>.nurture, or the folder <kind>/ for a rule
    about several files."""
    folder = Path(code) / kind
    return folder if (FIXTURES / folder).is_dir() else Path(code) / f"{kind}.nurture"


def _select(fixture: Path, code: str) -> str:
    if (FIXTURES / fixture).is_dir():
        return code
    first = fixture.read_text(encoding="utf-8").splitlines()[0]
    match = re.match(r"#\s*select:\s*(.*)", first)
    return ",".join([code] + ([match.group(1)] if match else []))


@pytest.fixture
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_fail_fixture_shows_the_rule(rule, in_fixtures, text_snapshot):
    fixture = _fixture(rule.code, "fail")
    assert fixture.exists(), f"{rule.code} needs a failing fixture at tests/lint/{fixture}"
    result = lint("--select", _select(fixture, rule.code), "--fail-on", "info", str(fixture))
    assert "Traceback" not in result.output
    assert f"[{rule.code}]" in result.stdout and f"[{rule.name}]" in result.stdout, result.output
    assert result.exit_code == 1, result.output
    assert result.stdout == text_snapshot


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_pass_fixture_is_clean_of_the_rule(rule, in_fixtures):
    fixture = _fixture(rule.code, "pass")
    assert fixture.exists(), f"{rule.code} needs a passing fixture at tests/lint/{fixture}"
    result = lint("--select", _select(fixture, rule.code), "--fail-on", "info", str(fixture))
    assert result.exit_code == 0, result.output
    assert f"[{rule.code}]" not in result.stdout
