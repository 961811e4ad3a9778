"""Programmes of several files, as `check` and `lint` meet a folder: both
check every file on its own, so they find the same core errors; a flow file
the programme file does not import is reported (NUR110 orphan-file); a name
another playbook nearby defines gets the missing `import` as its hint."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from nurturedsl import load as load_module
from nurturedsl.cli import main

from .conftest import PLAYBOOKS, write

CONTENT = """\
content g1 give "One" stage early unsubscribe link
content g2 give "Two" stage early unsubscribe link
content demo ask "Book a demo" stage late cta "Book a demo" unsubscribe link
"""


def flow(name: str, *imports: str, content: str = "g1") -> str:
    lines = [f'import "{i}"' for i in imports]
    return "\n".join(
        lines
        + [
            f"flow {name} {{",
            '  entry on downloaded("guide")',
            "  exit on unsubscribed",
            f"  email hello: {content}",
            "}",
            "",
        ]
    )


def run(*args: str):
    return CliRunner().invoke(
        main, list(args), prog_name="nurturedsl", env={"NO_COLOR": "1", "FORCE_COLOR": None}, catch_exceptions=False
    )


def core_errors(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if re.search(r": error\[NUR0\d\d\]", line))


@pytest.fixture
def project(tmp_path, monkeypatch):
    write(tmp_path, "nurturedsl.toml", "")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# Folders as a team writes them: a programme file gathering flow files that
# share a content library, and each way such a folder goes wrong.
FOLDERS = {
    "clean": {
        "programme.nurture": 'import "content.nurture"\nimport "one.nurture"\nimport "two.nurture"\n',
        "content.nurture": CONTENT,
        "one.nurture": flow("one", "content.nurture"),
        "two.nurture": flow("two", "content.nurture"),
    },
    # one.nurture leans on its importer's other import: fine inside the
    # programme, unknown names when checked on its own
    "fails only alone": {
        "programme.nurture": 'import "content.nurture"\nimport "one.nurture"\n',
        "content.nurture": CONTENT,
        "one.nurture": flow("one"),
    },
    # nobody imports broken.nurture
    "broken orphan": {
        "programme.nurture": 'import "content.nurture"\nimport "one.nurture"\n',
        "content.nurture": CONTENT,
        "one.nurture": flow("one", "content.nurture"),
        "broken.nurture": flow("broken", "content.nurture", content="nope"),
    },
    # each file is fine alone; together they define `one` twice
    "fails only together": {
        "programme.nurture": 'import "one.nurture"\nimport "copy.nurture"\n',
        "content.nurture": CONTENT,
        "one.nurture": flow("one", "content.nurture"),
        "copy.nurture": flow("one", "content.nurture"),
    },
}


@pytest.mark.parametrize("folder", FOLDERS)
def test_check_and_lint_agree_on_every_folder(folder, project):
    for name, text in FOLDERS[folder].items():
        write(project, f"playbooks/{name}", text)
    checked = run("check", "playbooks")
    linted = run("lint", "playbooks", "--select", "NUR099")
    assert core_errors(linted.stdout) == core_errors(checked.stderr)
    if folder == "clean":
        assert checked.exit_code == 0 and linted.exit_code == 0, linted.output
    else:
        assert core_errors(checked.stderr), checked.stderr
        # lint's "a playbook does not check" is 2 (docs/ci.md), check's is 1
        assert checked.exit_code == 1 and linted.exit_code == 2


def test_a_file_that_fails_only_alone_is_reported_with_the_missing_import(project):
    for name, text in FOLDERS["fails only alone"].items():
        write(project, name, text)
    for result, output in ((run("check", "."), "stderr"), (run("lint", "."), "stdout")):
        text = getattr(result, output)
        assert "one.nurture:4:16: error[NUR010] unknown content `g1`" in text
        assert 'help: add `import "content.nurture"`: content `g1` is defined there' in text


def test_a_file_named_and_imported_is_reported_once(project):
    """`check .` names ./one.nurture; programme.nurture imports one.nurture:
    one file, one error, spelt as the import spells it."""
    for name, text in FOLDERS["broken orphan"].items():
        write(project, name, text)
    write(project, "one.nurture", flow("one", "content.nurture", content="g3"))
    result = run("check", ".")
    assert result.stderr.count("unknown content `g3`") == 1, result.stderr
    assert "\none.nurture:5:16: error[NUR010] unknown content `g3`" in "\n" + result.stderr
    assert "./" not in result.stderr


# ------------------------------------------------------------ orphan files --


def orphan_folder(project):
    for name, text in FOLDERS["clean"].items():
        write(project, name, text)
    write(project, "webinar.nurture", flow("webinar", "content.nurture"))


def test_a_flow_file_the_programme_does_not_import_is_reported(project):
    orphan_folder(project)
    result = run("lint", ".", "--select", "orphan-file")
    assert result.exit_code == 1
    assert (
        "webinar.nurture:2:6: warning[NUR110] flow `webinar` is in no programme: no file imports "
        "`webinar.nurture` [orphan-file]" in result.stdout
    )
    assert "note: programme.nurture imports the flow files one.nurture, two.nurture, but not this one" in result.stdout
    assert 'help: add `import "webinar.nurture"` to programme.nurture' in result.stdout
    assert result.stdout.count("[NUR110]") == 1
    # check says nothing: the file is a correct playbook on its own
    assert run("check", ".").exit_code == 0


def test_an_orphan_in_a_subfolder_gets_the_import_from_the_programme(project):
    write(project, "content.nurture", CONTENT)
    write(project, "programme.nurture", 'import "content.nurture"\nimport "flows/one.nurture"\n')
    write(project, "flows/one.nurture", flow("one", "../content.nurture"))
    write(project, "flows/two.nurture", flow("two", "../content.nurture", "one.nurture"))
    result = run("lint", ".", "--select", "NUR110")
    assert "flows/two.nurture:3:6: warning[NUR110]" in result.stdout
    assert 'help: add `import "flows/two.nurture"` to programme.nurture' in result.stdout


def test_orphans_need_the_programme_file_in_the_run(project):
    orphan_folder(project)
    # one changed file, as pre-commit passes it: nothing to judge it against
    assert "NUR110" not in run("lint", "webinar.nurture", "--select", "NUR110").stdout
    # a folder of playbooks that each stand alone has no programme file
    (project / "programme.nurture").unlink()
    assert "NUR110" not in run("lint", ".", "--select", "NUR110").stdout


def test_a_flow_file_imported_through_another_is_not_an_orphan(project):
    orphan_folder(project)
    write(project, "two.nurture", flow("two", "content.nurture", "webinar.nurture"))
    result = run("lint", ".", "--select", "NUR110")
    assert result.exit_code == 0 and "NUR110" not in result.stdout, result.stdout


def test_an_orphan_can_be_kept_with_a_suppression(project):
    orphan_folder(project)
    write(
        project,
        "webinar.nurture",
        flow("webinar", "content.nurture").replace(
            "flow webinar {", "flow webinar {  # nurture: ignore[NUR110] runs again in spring"
        ),
    )
    result = run("lint", ".", "--select", "NUR110,NUR099")
    assert result.exit_code == 0, result.stdout


# ------------------------------------------------------------ import hints --


def test_the_nearest_definition_is_suggested_relative_to_the_file(project):
    write(project, "content.nurture", CONTENT)
    write(project, "flows/a.nurture", flow("a"))
    result = run("check", "flows/a.nurture")
    assert 'help: add `import "../content.nurture"`: content `g1` is defined there' in result.stderr
    write(project, "flows/library.nurture", CONTENT)
    result = run("check", "flows/a.nurture")
    assert 'help: add `import "library.nurture"`: content `g1` is defined there' in result.stderr
    assert "../content.nurture" not in result.stderr


def test_several_files_defining_the_name_are_all_named(project):
    write(project, "a.nurture", CONTENT)
    write(project, "b.nurture", CONTENT)
    write(project, "f.nurture", flow("f"))
    result = run("check", "f.nurture")
    assert 'help: add `import "a.nurture"`: content `g1` is defined there (also in b.nurture)' in result.stderr


def test_a_name_defined_nowhere_keeps_did_you_mean(project):
    write(project, "content.nurture", CONTENT)
    write(project, "f.nurture", flow("f", "content.nurture", content="g11"))
    result = run("check", "f.nurture")
    assert "help: did you mean `g1`?" in result.stderr
    assert "add `import" not in result.stderr


def test_a_name_of_another_kind_elsewhere_is_no_import_hint(project):
    write(project, "segments.nurture", 'segment g1 = industry == "SaaS"\n')
    write(project, "f.nurture", flow("f"))
    result = run("check", "f.nurture")
    assert result.exit_code == 1 and "add `import" not in result.stderr


def test_a_clean_check_reads_no_other_file(monkeypatch):
    """The look around for a missing import costs nothing unless a name is unknown."""

    def refuse(*args, **kwargs):
        raise AssertionError("looked for definitions in other files")

    monkeypatch.setattr(load_module, "_nearby_playbooks", refuse)
    result = run("check", str(PLAYBOOKS))
    assert result.exit_code == 0, result.output


def test_a_file_that_does_not_check_is_not_linted_through_its_importer(tmp_path):
    """ghost.nurture uses content it does not import: it is reported with its
    errors, and the programme that imports it (and the content) is linted,
    but nothing is said of ghost.nurture's flow but its errors."""
    for name in ("policy.nurture", "content.nurture", "scoring.nurture", "ghost-recovery.nurture"):
        shutil.copy(PLAYBOOKS / name, tmp_path / name)
    (tmp_path / "nurturedsl.toml").write_text("")
    ghost = tmp_path / "ghost-recovery.nurture"
    ghost.write_text(
        ghost.read_text().replace('import "content.nurture"\n', "").replace('import "scoring.nurture"\n', "")
    )
    policy = tmp_path / "policy.nurture"
    policy.write_text(policy.read_text().replace("  timezone ", "  send_days mon..fri\n  timezone "))
    (tmp_path / "programme.nurture").write_text(
        'import "policy.nurture"\nimport "content.nurture"\nimport "scoring.nurture"\nimport "ghost-recovery.nurture"\n'
    )
    result = CliRunner().invoke(main, ["lint", str(tmp_path), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 2
    about_ghost = [d for d in json.loads(result.output)["diagnostics"] if d["path"].endswith("ghost-recovery.nurture")]
    assert about_ghost and all(d["severity"] == "error" for d in about_ghost)
