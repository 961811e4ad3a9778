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
    assert "no problems in 15 files" in result.stderr  # 9 playbooks and their 6 test files


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
    result = subprocess.run(
        [sys.executable, "-m", "nurturedsl", "check", "playbooks"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_compile_refuses_to_overwrite_its_own_source_or_a_non_file(tmp_path):
    source = write(tmp_path, "p.nurture", 'content a give "A"\nflow f { exit on unsubscribed\n email a }\n')
    before = source.read_text()
    result = run("compile", str(source), "-o", str(source))
    assert result.exit_code == 2 and "not overwriting" in result.stderr
    assert source.read_text() == before
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "target.json")
    assert run("compile", str(source), "-o", str(link)).exit_code == 2
    assert link.is_symlink()


def test_output_files_get_ordinary_permissions(tmp_path):
    out = tmp_path / "out.json"
    old = os.umask(0o022)
    try:
        assert run("compile", str(PLAYBOOKS / "archive.nurture"), "-o", str(out)).exit_code == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_schema_to_an_unwritable_place_is_a_clear_error(tmp_path):
    result = run("schema", "-o", str(tmp_path / "missing" / "schema.json"))
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_custom_events_can_be_declared_and_used(tmp_path):
    path = write(
        tmp_path,
        "p.nurture",
        'event signed_up, trial_ended\ncontent a give "A"\n'
        'flow f { entry on signed_up("trial")\n exit on unsubscribed, trial_ended\n email a }\n',
    )
    result = run("compile", str(path))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"signed_up", "trial_ended"} <= set(document["events"])
    assert document["flows"]["f"]["entry"][0]["event"] == {"name": "signed_up", "arg": "trial"}


def test_a_bug_is_one_line_and_exit_three(monkeypatch, tmp_path):
    import nurturedsl.ir as ir_module

    def broken(programme):
        raise KeyError("boom")

    monkeypatch.setattr(ir_module, "compile_programme", broken)
    result = CliRunner().invoke(main, ["compile", str(PLAYBOOKS / "archive.nurture")])
    assert result.exit_code == 3
    assert "internal error: KeyError" in result.stderr and "Traceback" not in result.output


def test_deeply_nested_conditions_are_refused_not_crashed(tmp_path):
    path = write(tmp_path, "p.nurture", "segment s = " + "not " * 300 + 'tagged "x"\n')
    result = run("compile", str(path))
    assert result.exit_code == 1 and "NUR006" in result.stderr
