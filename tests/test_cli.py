"""The command line: exit codes, outputs, atomic writes, help."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from nurturedsl import __version__
from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT, write


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_clean_playbooks_exits_zero():
    result = run("check", str(PLAYBOOKS))
    assert result.exit_code == 0
    assert "no problems in 9 files" in result.stderr


def test_check_problems_exit_one_with_location(tmp_path):
    path = write(tmp_path, "bad.nurture", "flow f {\n  wait 0d\n}\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:2:8: error[NUR014]" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_or_missing_files_exit_two(tmp_path):
    assert run("check", str(tmp_path / "nope.nurture")).exit_code == 2
    folder = tmp_path / "dir.nurture"
    folder.mkdir()
    (tmp_path / "empty").mkdir()
    assert run("check", str(tmp_path / "empty")).exit_code == 2


def test_compile_writes_atomically_and_only_when_clean(tmp_path):
    out = tmp_path / "out.json"
    result = run("compile", str(PLAYBOOKS / "inbound.nurture"), "-o", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text())["format"] == "nurturedsl-ir"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left behind

    bad = write(tmp_path, "bad.nurture", "flow f { wait -3d }")
    before = out.read_text()
    result = run("compile", str(bad), "-o", str(out))
    assert result.exit_code == 1
    assert out.read_text() == before


def test_compile_to_stdout_is_the_ir():
    result = run("compile", str(PLAYBOOKS / "archive.nurture"))
    assert json.loads(result.stdout)["flows"]["archive"]["start"] == "@entry"


def test_compile_to_an_unwritable_place_is_a_clear_error(tmp_path):
    result = run("compile", str(PLAYBOOKS / "archive.nurture"), "-o", str(tmp_path / "no" / "such" / "x.json"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_version_and_help():
    assert run("--version").output.strip() == f"nurturedsl, version {__version__}"
    for command in ([], ["check"], ["compile"], ["schema"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    assert "Exit codes" in run("--help").output


def test_no_colour_unless_a_terminal(tmp_path, monkeypatch):
    path = write(tmp_path, "bad.nurture", "flow f { wait 0d }")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR")
    assert "\033[" in run("check", str(path)).stderr
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in run("check", str(path)).stderr


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "nurturedsl", "check", "playbooks"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
