"""Lint configuration files of every shape a user can write: read as TOML
(header, dotted and inline tables alike), and anything lint cannot use is
one located line and exit 2, never a traceback (exit 3) nor a setting
silently ignored. `lint` and `render --lint` read configs the same way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.lint.config import CONFIG_LIMIT

from .conftest import write

# One give, then an ask: NUR301 fires unless the config says otherwise.
ASK_TOO_SOON = """\
playbook "t" { reviewed 2026-11-01 }
content post give "Ungated post"
content demo ask "Book a demo" cta "Book a demo"

flow f {
  entry on downloaded("guide")
  exit on unsubscribed, booked("demo")
  email welcome: post
  wait 7d
  email ask: demo as ask
}
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="nurturedsl", env={"NO_COLOR": "1"}, catch_exceptions=False)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    write(tmp_path, "f.nurture", ASK_TOO_SOON)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def assert_usage_error(result, where: str, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = result.stderr.strip()
    assert "\n" not in line, line
    assert line.startswith(f"nurturedsl: error: {where}"), line
    assert message in line, line


WRONG_SHAPES = [
    # nurturedsl.toml: the top level is the config
    ("nurturedsl.toml", "rules = 3", "nurturedsl.toml:1:1: ", "`rules` must be a table of rules"),
    ("nurturedsl.toml", "[[rules]]\nseverity = 'off'", "nurturedsl.toml:1:3: ", "`rules` must be a table"),
    ("nurturedsl.toml", "select = 3", "nurturedsl.toml:1:1: ", "`select` must be a list of strings"),
    ("nurturedsl.toml", "\n\nignore = ['NUR301', 3]", "nurturedsl.toml:3:1: ", "`ignore` must be a list of strings"),
    ("nurturedsl.toml", "extend-select = 'NUR301'", "nurturedsl.toml:1:1: ", 'not "NUR301" (a string)'),
    ("nurturedsl.toml", "select = 1979-05-27", "nurturedsl.toml:1:1: ", "not 1979-05-27 (a date or time)"),
    ("nurturedsl.toml", "select = ['NUR3O1']", "nurturedsl.toml:1:1: ", "unknown rule `NUR3O1`"),
    ("nurturedsl.toml", "fail-on = 3", "nurturedsl.toml:1:1: ", "`fail-on` must be one of error, warning, info, not 3"),
    (
        "nurturedsl.toml",
        "fail-on = ['error']",
        "nurturedsl.toml:1:1: ",
        "`fail-on` must be one of error, warning, info",
    ),
    ("nurturedsl.toml", "per-file-ignores = ['x']", "nurturedsl.toml:1:1: ", "`per-file-ignores` must be a table"),
    (
        "nurturedsl.toml",
        "per-file-ignores = { 'legacy/*' = 'NUR901' }",
        "nurturedsl.toml:1:22: ",
        "per-file-ignores `legacy/*` must be a list of rule codes",
    ),
    ("nurturedsl.toml", "rules.NUR301 = 3", "nurturedsl.toml:1:7: ", "`rules.NUR301` must be a table of settings"),
    ("nurturedsl.toml", "[rules.NUR3001]", "nurturedsl.toml:1:8: ", "unknown rule; did you mean `NUR301`?"),
    (
        "nurturedsl.toml",
        "[rules.NUR301]\nseverity = 2",
        "nurturedsl.toml:2:1: ",
        "must be one of error, warning, info, off",
    ),
    ("nurturedsl.toml", "[rules.NUR301]\nratio = 3", "nurturedsl.toml:2:1: ", '`ratio`: expected a string like "3:1"'),
    (
        "nurturedsl.toml",
        "[rules.NUR301]\nratio = '1:99999999999999999999999'",
        "nurturedsl.toml:2:1: ",
        "has a number too large",
    ),
    ("nurturedsl.toml", "[rules.NUR204]\nmax = '12'", "nurturedsl.toml:2:1: ", "`max`: expected a whole number"),
    ("nurturedsl.toml", "[rules.NUR204]\nmax = true", "nurturedsl.toml:2:1: ", "`max`: expected a whole number"),
    ("nurturedsl.toml", "[rules.NUR204]\nmax = 0x" + "f" * 5000, "nurturedsl.toml:2:1: ", "is too large"),
    (
        "nurturedsl.toml",
        "[rules.NUR602]\nphrases = 'just checking in'",
        "nurturedsl.toml:2:1: ",
        "`phrases`: expected a list of strings",
    ),
    ("nurturedsl.toml", "[rules.NUR901]\nmax-age = 90", "nurturedsl.toml:2:1: ", 'expected a string like "7d"'),
    ("nurturedsl.toml", "[rules.NUR901]\nmax-age = '-90d'", "nurturedsl.toml:2:1: ", "cannot be negative"),
    ("nurturedsl.toml", "[rules.NUR205]\ncap = '2 per 0d'", "nurturedsl.toml:2:1: ", "must be longer than nothing"),
    ("nurturedsl.toml", "[rules.NUR301]\n[rules.ask-before-gives]", "nurturedsl.toml:2:8: ", "configures NUR301 again"),
    # pyproject.toml: only tool.nurturedsl, however it is written
    ("pyproject.toml", "tool = 3", "pyproject.toml:1:1: ", "`tool` must be a table"),
    ("pyproject.toml", "[tool]\nnurturedsl = 3", "pyproject.toml:2:1: ", "`tool.nurturedsl` must be a table"),
    ("pyproject.toml", "tool.nurturedsl = 'ALL'", "pyproject.toml:1:6: ", "`tool.nurturedsl` must be a table"),
    (
        "pyproject.toml",
        "[project]\nname = 'x'\n[tool.nurturedsl]\nselect = 3",
        "pyproject.toml:4:1: ",
        "`select` must be a list of strings",
    ),
    (
        "pyproject.toml",
        "tool = { nurturedsl = { selct = [] } }",
        "pyproject.toml:1:25: ",
        "unknown key `selct`; did you mean `select`?",
    ),
    (
        "pyproject.toml",
        "[tool.nurturedsl]\nrules = { NUR301 = { ratio = 3 } }",
        "pyproject.toml:2:22: ",
        "`ratio`: expected a string",
    ),
    # not TOML, or not text
    ("nurturedsl.toml", "select = ['NUR301'] 'x'", "nurturedsl.toml:1:21: ", "not valid TOML"),
    ("nurturedsl.toml", "select = [", "nurturedsl.toml: ", "not valid TOML"),
    ("nurturedsl.toml", "x = " + "9" * 5000, "nurturedsl.toml: ", "not valid TOML"),
    ("nurturedsl.toml", "x = " + "[" * 100_000 + "]" * 100_000, "nurturedsl.toml: ", "nested too deeply"),
    ("pyproject.toml", "[project]\nname = 'caf\udcc3'", "pyproject.toml:2:12: ", "not UTF-8 text"),
]


def _id(case: tuple[str, str, str, str]) -> str:
    return f"{case[0]}:{case[1][:40]}"


@pytest.mark.parametrize("name, text, where, message", WRONG_SHAPES, ids=map(_id, WRONG_SHAPES))
def test_a_config_lint_cannot_use_is_one_located_line(folder, name, text, where, message):
    (folder / name).write_bytes(text.encode("utf-8", "surrogateescape") + b"\n")
    assert_usage_error(run("lint", "f.nurture"), where, message)


RENDER_CASES = WRONG_SHAPES[:3] + [case for case in WRONG_SHAPES if case[0] == "pyproject.toml"][:3]


@pytest.mark.parametrize("name, text, where, message", RENDER_CASES, ids=map(_id, RENDER_CASES))
def test_render_lint_reports_a_config_as_lint_does(folder, name, text, where, message):
    (folder / name).write_text(text + "\n", encoding="utf-8")
    assert_usage_error(run("render", "f.nurture", "--lint", "--format", "mermaid"), where, message)


@pytest.mark.parametrize(
    "pyproject",
    [
        '[tool.nurturedsl]\nignore = ["NUR301"]',
        'tool = { nurturedsl = { ignore = ["NUR301"] } }',
        'tool.nurturedsl.ignore = ["NUR301"]',
        '[tool]\nnurturedsl.ignore = ["NUR301"]',
        '[tool]\nnurturedsl = { ignore = ["NUR301"] }',
        '[tool.nurturedsl.rules]\nNUR301 = { severity = "off" }',
        '[project]\nname = "x"\n\n[tool."nurturedsl"]\n"ignore" = ["NUR301"]',
    ],
)
def test_every_way_toml_writes_the_table_configures_lint(folder, pyproject):
    before = run("lint", "f.nurture", "--today", "2026-11-22")
    assert "NUR301" in before.stdout
    write(folder, "pyproject.toml", pyproject + "\n")
    after = run("lint", "f.nurture", "--today", "2026-11-22")
    assert after.exit_code in (0, 1), after.output
    assert "NUR301" not in after.stdout
    rendered = run("render", "f.nurture", "--flow", "f", "--lint", "--format", "mermaid")
    assert rendered.exit_code == 0 and "NUR301" not in rendered.stdout


def test_a_pyproject_that_only_mentions_the_table_does_not_hide_the_config_above(folder):
    write(folder, "nurturedsl.toml", 'ignore = ["NUR301"]\n')
    write(folder, "sub/f.nurture", ASK_TOO_SOON)
    write(
        folder,
        "sub/pyproject.toml",
        '[project]\nname = "x"\n# lint settings: see [tool.nurturedsl] in ../\n'
        'description = "has no [tool.nurturedsl] table"\n',
    )
    result = run("lint", "sub/f.nurture", "--today", "2026-11-22")
    assert result.exit_code in (0, 1), result.output
    assert "NUR301" not in result.stdout


def test_a_broken_config_of_any_named_file_is_a_usage_error(folder):
    write(folder, "a/f.nurture", ASK_TOO_SOON)
    write(folder, "b/f.nurture", ASK_TOO_SOON)
    write(folder, "b/nurturedsl.toml", "select = 3\n")
    assert_usage_error(
        run("lint", "a", "b"), os.path.join("b", "nurturedsl.toml") + ":1:1: ", "`select` must be a list of strings"
    )


def test_config_option_names_a_pyproject_without_the_table(folder):
    write(folder, "pyproject.toml", '[project]\nname = "x"\n')
    assert_usage_error(
        run("lint", "f.nurture", "--config", "pyproject.toml"), "pyproject.toml: ", "has no [tool.nurturedsl] table"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_config_is_refused_without_blocking(folder):
    os.mkfifo(folder / "nurturedsl.toml")
    assert_usage_error(run("lint", "f.nurture"), "nurturedsl.toml is a named pipe", "not a lint config file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_config_is_refused_without_reading_it(folder):
    (folder / "nurturedsl.toml").symlink_to("/dev/zero")
    assert_usage_error(run("lint", "f.nurture"), "nurturedsl.toml is a character device", "not a lint config file")


def test_a_huge_config_is_refused_before_it_is_read(folder):
    with open(folder / "pyproject.toml", "wb") as handle:
        handle.truncate(CONFIG_LIMIT + 1)
    assert_usage_error(
        run("lint", "f.nurture"), "pyproject.toml is 1,048,577 bytes", "a lint config file is limited to"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["lint", "f.nurture", "--format", "json", "-o", "nurturedsl.toml"],
        ["lint", "f.nurture", "--config", "cfg/strict.toml", "-o", "cfg/strict.toml"],
        ["lint", "f.nurture", "--format", "sarif", "-o", "sub/pyproject.toml"],
        ["render", "f.nurture", "--lint", "--format", "mermaid", "-o", "nurturedsl.toml"],
        ["render", "f.nurture", "--lint", "--format", "dot", "-o", "sub/pyproject.toml"],
    ],
)
def test_no_output_replaces_a_config_file_the_command_read(folder, command):
    # sub/pyproject.toml has no [tool.nurturedsl]: looked into on the way up, it is an input all the same
    write(folder, "nurturedsl.toml", 'ignore = ["NUR704"]\n')
    write(folder, "cfg/strict.toml", 'select = ["NUR301"]\n')
    write(folder, "sub/pyproject.toml", '[project]\nname = "x"\n')
    if "sub/pyproject.toml" in command:
        command = [("sub/f.nurture" if part == "f.nurture" else part) for part in command]
        write(folder, "sub/f.nurture", ASK_TOO_SOON)
    before = {path: path.read_bytes() for path in folder.rglob("*.toml")}
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert "not overwriting it" in result.stderr
    assert {path: path.read_bytes() for path in folder.rglob("*.toml")} == before


@pytest.mark.parametrize("today", ["20261122", "2026-W47-1", "2026-02-29", "26-11-22"])
def test_today_is_a_date_as_yyyy_mm_dd_on_every_python(folder, today):
    assert_usage_error(
        run("lint", "f.nurture", "--today", today), "--today takes a date as YYYY-MM-DD", f"not `{today}`"
    )
