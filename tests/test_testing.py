"""`nurturedsl test`: tests written in the language, run on the simulator.

Expectations here are worked out by hand from docs/simulation.md and the
bundled playbooks (inbound: welcome at entry, then 3d, 4d, 4d, 3d)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT

JUNIT_XSD = ROOT / "tests" / "consumers" / "junit" / "JUnit.xsd"
DOCS = ROOT / "docs" / "testing.md"

CTO = """
  contact {
    role      = "CTO"
    industry  = "SaaS"
    employees = 120
  }
"""


def run(*args):
    return CliRunner().invoke(main, ["test", *map(str, args)], catch_exceptions=False)


@pytest.fixture
def project(tmp_path):
    """A copy of the bundled playbooks without their tests, to add tests to."""
    for path in PLAYBOOKS.glob("*.nurture"):
        if not path.name.endswith("_test.nurture"):
            shutil.copy(path, tmp_path / path.name)
    return tmp_path


def write_test(folder: Path, body: str, name: str = "my_test.nurture") -> Path:
    path = folder / name
    path.write_text('import "programme.nurture"\n\n' + body)
    return path


def test_the_bundled_programme_tests_pass_and_cover_every_flow():
    result = run(PLAYBOOKS, "--coverage")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert re.search(r"= 2\d passed =", result.stdout)
    for flow in ("archive", "ghost", "inbound", "reengage", "surround"):
        assert re.search(rf"^{flow}: \d+/\d+ steps reached", result.stdout, re.M), flow
    assert "inbound: 14/14 steps reached" in result.stdout


def test_the_seed_scoring_example_hands_off_at_65_with_the_message():
    """CEO +20, SaaS +20, revenue over 5M +10, pricing +15 = 65 > 60: sql."""
    result = run(f"{PLAYBOOKS / 'scoring_test.nurture'}::seed_ceo_pricing", "--format", "json")
    assert result.exit_code == 0, result.stdout
    (test,) = json.loads(result.stdout)["tests"]
    assert test["outcome"] == "passed"
    notify = [r for r in test["trace"] if r["type"] == "notify"]
    assert notify[0]["text"] == "Lead Avery Chen just visited the pricing page and has a score of 65. Call now."
    handoff = [r for r in test["trace"] if r["type"] == "handoff"]
    assert handoff[0]["team"] == "sales" and handoff[0]["score"] == {"lead": 65}


def test_a_failing_test_exits_1_with_the_timeline_marked_where_it_departs(project):
    path = write_test(
        project,
        "test late_ask {\n  until day 30\n"
        + CTO
        + '  history {\n    day 0 downloaded("resource")\n  }\n'
        + "  expect email inbound.ask on day 12\n"
        + "  expect never email inbound.video\n}\n",
    )
    result = run(path)
    assert result.exit_code == 1
    out = result.stdout
    assert f"{path.name} F" in out or "my_test.nurture F" in out
    # the ask goes out on day 14 (0 + 3 + 4 + 4 + 3), at the download's time
    assert "expected email inbound.ask on Sat 2026-01-17 (day 12); it happened at Mon 2026-01-19 10:00 (day 14)" in out
    assert "[1] " in out and ":14:3: expect email inbound.ask on day 12" in out
    lines = out.splitlines()
    marker = lines.index(">> [1]  expected by here: email inbound.ask on Sat 2026-01-17 (day 12)")
    assert "inbound.tech_proof" in lines[marker - 1] and "inbound.ask" in lines[marker + 1]
    # the video email (day 7) is the record that breaks `never`
    assert any(line.startswith(">> [2]  Mon 2026-01-12 10:00  email      inbound.video") for line in lines)
    assert "1 failed, 0 passed" in out


def test_a_broken_test_file_exits_2_with_located_did_you_mean(project):
    path = write_test(project, "test typo {\n" + CTO + "  expect email inbound.welcom\n  expect score laed > 1\n}\n")
    result = run(path)
    assert result.exit_code == 2
    assert "my_test.nurture:10:16: error[NUR010] unknown step of flow `inbound` `welcom`" in result.stderr
    assert "did you mean `welcome`?" in result.stderr
    assert "unknown score `laed`" in result.stderr and "did you mean `lead`?" in result.stderr
    assert result.stdout == f"{path} E\n" + " 0 passed, 1 error ".center(72, "=") + "\n"  # the errors: stderr


def test_a_test_file_that_does_not_parse_gets_the_parse_error(project):
    path = write_test(project, "test broken {\n  expect email\n}\n")
    result = run(path)
    assert result.exit_code == 2
    assert "my_test.nurture:5:" in result.stderr


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("day 2", "2026-01-07T09:00:00Z"),  # 10:00 in Berlin, the policy's zone
        ("day 2 15:30", "2026-01-07T14:30:00Z"),
        ("+48h", "2026-01-06T23:00:00Z"),  # 48 h after midnight of the start, local
        ("2026-01-09", "2026-01-09T09:00:00Z"),
        ("2026-01-09 08:15", "2026-01-09T07:15:00Z"),
    ],
)
def test_history_moments_are_relative_to_the_start_or_absolute(project, moment, expected):
    path = write_test(
        project,
        f'test when {{\n  start 2026-01-05\n  history {{\n    {moment} visited("pricing")\n  }}\n'
        "  expect never handoff\n}\n",
    )
    result = run(path, "--format", "json")
    assert result.exit_code == 0, result.stdout
    (event,) = [r for r in json.loads(result.stdout)["tests"][0]["trace"] if r["type"] == "event"]
    assert event["at"] == expected


def test_a_score_is_read_at_the_moment_asked(project):
    """Pricing +15 decays with a half-life of 30 days: 7.5 on day 30."""
    path = write_test(
        project,
        'test decay {\n  history {\n    day 0 00:00 visited("pricing")\n  }\n'
        "  expect score lead == 15 on day 0 00:00\n  expect score lead <= 7.6 on day 29 23:59\n"
        "  expect score lead >= 7.4 on day 29 23:59\n}\n",
    )
    result = run(path)
    assert result.exit_code == 0, result.stdout


def test_exits_handoffs_thresholds_and_at_most(project):
    path = write_test(
        project,
        "test replied {\n  until day 30\n"
        + CTO
        + '  history {\n    day 0 downloaded("resource")\n    day 4 replied\n  }\n'
        '  expect exit inbound "exit on replied" on day 4\n'
        "  expect never handoff\n  expect never threshold lead.sql\n"
        "  expect at most 2 touches\n  expect at most 1 touches in 2d\n"
        "  expect path inbound: welcome, checklist\n}\n",
    )
    assert run(path).exit_code == 0
    path.write_text(path.read_text().replace("at most 2 touches\n", "at most 1 touches\n"))
    result = run(path)
    assert result.exit_code == 1
    assert "expected at most 1 touches; touch 2 came at Thu 2026-01-08 10:00 (day 3)" in result.stdout


def test_selection_by_keyword_by_name_and_by_file(project):
    body = "test alpha_one {\n  expect never handoff\n}\ntest alpha_two {\n  expect never handoff\n}\n"
    body += "test beta {\n  expect never handoff\n}\n"
    path = write_test(project, body)
    assert "= 2 passed =" in run(path, "-k", "alpha").stdout
    assert "= 1 passed =" in run(f"{path}::beta").stdout
    assert "= 1 passed =" in run(project, "alpha_two").stdout
    assert "= 3 passed =" in run(project).stdout  # a folder: its *_test.nurture files
    nothing = run(path, "-k", "gamma")
    assert nothing.exit_code == 2 and "no tests matching -k gamma" in nothing.stderr


def test_junit_output_is_valid_against_the_junit_schema(project, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    path = write_test(
        project,
        "test passes {\n  expect never handoff\n}\n"
        'test fails {\n  history {\n    day 0 visited("pricing")\n  }\n  expect score lead > 20\n}\n',
    )
    out = tmp_path / "results.xml"
    result = run(path, "--format", "junit", "-o", out)
    assert result.exit_code == 1
    schema.validate(str(out))
    document = schema.to_dict(str(out))
    (suite,) = document["testsuite"]
    assert suite["@tests"] == 2 and suite["@failures"] == 1
    failing = [case for case in suite["testcase"] if "failure" in case]
    assert failing[0]["@name"] == "fails"
    assert (
        "expected score lead > 20" in failing[0]["failure"]["@message"]
        and "it is 0" in failing[0]["failure"]["@message"]
    )
    bundled = tmp_path / "bundled.xml"
    assert run(PLAYBOOKS, "--format", "junit", "-o", bundled).exit_code == 0
    schema.validate(str(bundled))


def test_a_broken_file_is_an_error_entry_and_the_other_files_still_run(project, tmp_path):
    """A CI reporter shows the broken file as an error, next to the results
    of the files that work; the run exits 2."""
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    good = write_test(project, "test fine {\n  expect never handoff\n}\n", "good_test.nurture")
    bad = write_test(project, "test broken {\n  expect email inbound.welcom\n}\n", "bad_test.nurture")
    out = tmp_path / "results.xml"
    result = run(bad, good, "--format", "junit", "-o", out)
    assert result.exit_code == 2
    assert "bad_test.nurture:4:16: error[NUR010] unknown step of flow `inbound` `welcom`" in result.stderr
    schema.validate(str(out))
    suites = {Path(s["@name"]).name: s for s in schema.to_dict(str(out))["testsuite"]}
    assert (suites["good_test.nurture"]["@tests"], suites["good_test.nurture"]["@errors"]) == (1, 0)
    assert "error" not in suites["good_test.nurture"]["testcase"][0]
    broken = suites["bad_test.nurture"]
    assert (broken["@tests"], broken["@failures"], broken["@errors"]) == (1, 0, 1)
    (case,) = broken["testcase"]
    assert case["error"]["@message"].endswith("bad_test.nurture:4:16: unknown step of flow `inbound` `welcom`")
    assert "did you mean `welcome`?" in case["error"]["$"]

    result = run(bad, good, "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["summary"] == {"tests": 1, "passed": 1, "failed": 0, "errors": 1}
    assert [t["name"] for t in document["tests"]] == ["fine"]
    (error,) = document["errors"]
    assert Path(error["file"]).name == "bad_test.nurture"
    assert [(d["code"], d["line"], d["column"]) for d in error["diagnostics"]] == [("NUR010", 4, 16)]

    result = run(bad, good)
    assert result.exit_code == 2
    assert re.search(r"good_test\.nurture \.\n.*bad_test\.nurture E\n", result.stdout)
    assert result.stdout.rstrip().endswith(" 1 passed, 1 error ".center(72, "="))


def test_a_name_alone_is_looked_for_under_the_current_folder(tmp_path, monkeypatch):
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    monkeypatch.chdir(tmp_path)
    result = run("seed_ceo_pricing")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "playbooks/scoring_test.nurture ."
    assert result.stdout.rstrip().endswith(" 1 passed ".center(72, "="))
    result = run("no_such_test")
    assert result.exit_code == 2
    assert "no tests named no_such_test in " in result.stderr


def test_lint_of_a_folder_says_it_left_the_test_files_out(project):
    """`lint DIR` does not read `*_test.nurture` (tests are not deployed), and
    says so in its summary; `check` and `test` are what check them."""
    broken = write_test(project, "test broken {\n  expect email inbound.nosuch\n}\n")
    lint = CliRunner().invoke(main, ["lint", str(project)], catch_exceptions=False)
    assert lint.exit_code == 0, lint.stdout
    summary = lint.stdout.splitlines()[-1]
    assert summary.endswith(" in 9 files (1 test file left out: `nurturedsl check` and `nurturedsl test` read them)"), (
        summary
    )
    bundled = CliRunner().invoke(main, ["lint", str(PLAYBOOKS)], catch_exceptions=False)
    assert bundled.stdout.splitlines()[-1].endswith(
        " in 9 files (6 test files left out: `nurturedsl check` and `nurturedsl test` read them)"
    )
    named = CliRunner().invoke(main, ["lint", str(broken)], catch_exceptions=False)
    assert named.exit_code == 2 and "left out" not in named.stdout, named.stdout
    check = CliRunner().invoke(main, ["check", str(project)], catch_exceptions=False)
    assert check.exit_code == 1 and "unknown step of flow `inbound` `nosuch`" in check.stderr


def test_an_offset_is_elapsed_time_across_a_clock_change(project):
    """docs/testing.md, Moments: `+48h` from midnight of Sat 2026-03-28 in
    Berlin (UTC+1) is 48 hours later, 2026-03-29 23:00 UTC: 01:00 local on
    day 2, as the clocks went forward on the 29th."""
    path = write_test(
        project,
        "test dst {\n  start 2026-03-28\n  until day 3\n"
        '  contact {\n    timezone = "Europe/Berlin"\n  }\n'
        '  history {\n    +48h visited("pricing")\n  }\n'
        "  expect score lead == 0 on day 2 00:59\n  expect score lead == 15 on day 2 01:00\n}\n",
    )
    result = run(path)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_coverage_is_a_finding_list_at_each_steps_span(project):
    path = write_test(
        project,
        "test welcome_only {\n  until day 1\n"
        + CTO
        + '  history {\n    day 0 downloaded("resource")\n  }\n  expect email inbound.welcome\n}\n',
    )
    result = run(path, "--coverage", "--format", "json")
    findings = json.loads(result.stdout)["coverage"]
    untested = {(f["code"], f["message"]) for f in findings}
    assert ("TST001", "no test reaches step `ask` of flow `inbound`") in untested
    assert not any("`welcome`" in message and "inbound" in message for _, message in untested)
    ask = next(f for f in findings if f["message"] == "no test reaches step `ask` of flow `inbound`")
    assert (Path(ask["file"]).name, ask["line"], ask["column"]) == ("inbound.nurture", 31, 3)
    text = run(path, "--coverage")
    assert "warning[TST001] no test reaches step `ask` of flow `inbound`" in text.stderr


def test_tests_are_not_compiled_into_the_ir(project):
    programme = project / "programme.nurture"
    plain = CliRunner().invoke(main, ["compile", str(programme)])
    programme.write_text(programme.read_text() + "\ntest t {\n  expect never handoff\n}\n")
    with_tests = CliRunner().invoke(main, ["compile", str(programme)])
    assert plain.exit_code == with_tests.exit_code == 0
    assert plain.stdout == with_tests.stdout


def test_lint_and_check_do_not_import_the_test_runner():
    code = "import sys; from nurturedsl.cli import main\ntry: main(['lint', 'playbooks/inbound.nurture'])\nexcept SystemExit: pass\n"
    code += "print(sorted(m for m in sys.modules if 'testing' in m or 'check_tests' in m))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")


def test_docs_examples_run(tmp_path, monkeypatch):
    """Every ```nurture block of docs/testing.md with a `test` runs with the
    outcome it says (`<!-- fails -->` after it, else it passes); the output
    shown after a failing one is what the command prints."""
    text = DOCS.read_text()
    blocks = re.findall(r"```nurture\n(.*?)```\n(<!-- fails -->\n\n```\n(.*?)```)?", text, re.S)
    runnable = [block for block in blocks if re.search(r"^test ", block[0], re.M)]
    assert len(runnable) >= 3
    folder = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, folder, ignore=shutil.ignore_patterns("*_test.nurture"))
    monkeypatch.chdir(tmp_path)
    for body, fails, shown in runnable:
        name = re.search(r"^test (\w+)", body, re.M)[1]
        path = f"playbooks/{name}_test.nurture"
        Path(path).write_text(body)
        result = run(path)
        assert result.exit_code == (1 if fails else 0), body + result.stdout + result.stderr
        if shown:
            assert result.stdout == shown


INBOUND_STEPS = ["welcome", "checklist", "video", "tech_proof", "biz_proof", "li_note", "ask"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    step=st.sampled_from(INBOUND_STEPS),
    day=st.integers(min_value=0, max_value=20),
    replied=st.one_of(st.none(), st.integers(min_value=0, max_value=20)),
    role=st.sampled_from(["CTO", "CFO", "CMO"]),
)
def test_an_expectation_and_its_never_disagree(project, step, day, replied, role):
    """Law: for any contact and moment, `expect X on M` passes exactly when
    `expect never X on M` fails; and a run is the same every time."""
    history = '    day 0 downloaded("resource")\n' + (
        f"    day {replied} 12:00 replied\n" if replied is not None else ""
    )
    contact = f'  contact {{\n    role = "{role}"\n    industry = "SaaS"\n    employees = 120\n  }}\n'
    body = f"  until day 30\n{contact}  history {{\n{history}  }}\n"
    channel = "linkedin" if step == "li_note" else "email"  # `expect email` of another channel is an error
    path = write_test(
        project,
        f"test yes {{\n{body}  expect {channel} inbound.{step} on day {day}\n}}\n"
        f"test no {{\n{body}  expect never {channel} inbound.{step} on day {day}\n}}\n",
    )
    first = json.loads(run(path, "--format", "json").stdout)
    outcomes = {t["name"]: t["outcome"] for t in first["tests"]}
    assert sorted(outcomes.values()) == ["failed", "passed"]
    assert json.loads(run(path, "--format", "json").stdout) == first


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('  contact {\n    employees = "many"\n  }\n', '`employees` is a number, but `"many"` is a text'),
        ('  contact {\n    timezone = "Mars/Base"\n  }\n', "unknown time zone `Mars/Base`"),
        ("  contact {\n    favourite = 3\n  }\n", "unknown attribute `favourite`"),
        ('  history {\n    day 2.5 visited("pricing")\n  }\n', "`day 2.5`: a day is a whole number"),
        ('  history {\n    day 1 vistied("pricing")\n  }\n', "did you mean `visited`?"),
        ("  history {\n    day 1 25:00 replied\n  }\n", "`25:00` is not a time of day"),
        ("  expect exit inbond\n", "did you mean `inbound`?"),
        ("  expect threshold lead.sq1\n", "unknown threshold of score `lead` `sq1`"),
        ("  expect path inbound: welcome, chekclist\n", "did you mean `checklist`?"),
        ("  expect email welcome\n", "step `welcome` is in several flows (inbound, surround)"),
        ("  expect at most 1.5 touches\n", "a number of touches must be a whole number"),
        ("  start 9999-12-31\n", "`9999-12-31`: a test runs between 1900 and 8980"),
        ("  until +99999999w\n", "is more than ten years after the start"),
        ('  consent "fax"\n', None),
    ],
)
def test_a_broken_test_is_a_located_error(project, line, message):
    if message is None:  # consent outside `contact`: a parse error
        path = write_test(project, f"test broken {{\n{line}  expect never handoff\n}}\n")
        result = run(path)
        assert result.exit_code == 2 and "my_test.nurture:4:3: error[NUR" in result.stderr
        return
    path = write_test(project, f"test broken {{\n{line}  expect never handoff\n}}\n")
    result = run(path)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert re.search(r"my_test\.nurture:\d+:\d+: error\[NUR0\d\d\]", result.stderr)


@pytest.mark.parametrize(
    ("lines", "where", "message"),
    [
        # moments outside the run (start Mon 2026-01-05; `until day 5` ends Sat 2026-01-10 23:59)
        (
            "  until day 5\n  history {\n    day 9 replied\n  }\n",
            "6:5",
            "this event at `day 9` comes after the end of the run (`until day 5`: Sat 2026-01-10 23:59 (day 5))",
        ),
        (
            "  until day 5\n  expect never email inbound.ask on day 14\n",
            "5:34",
            "`on day 14` is after the end of the run (`until day 5`: Sat 2026-01-10 23:59 (day 5)): "
            "this `never` would pass whatever happens",
        ),
        ("  until day 5\n  expect never email inbound.ask by day 20\n", "5:34", "this `never` would pass"),
        ("  until day 5\n  expect email inbound.ask on day 9\n", "5:28", "nothing after it is simulated"),
        ("  until day 5\n  expect score lead > 10 on day 6\n", "5:26", "`on day 6` is after the end of the run"),
        (
            "  expect never email inbound.ask on day 400\n",
            "4:34",
            "after the end of the run (365 days by default: Tue 2027-01-05 00:00 (day 365))",
        ),
        ("  until day 5 23:59\n  expect never email inbound.ask on day 6\n", "5:34", "is after the end of the run"),
        (
            "  start 2026-03-01\n  until 2026-01-01\n",
            "5:9",
            "`until 2026-01-01` is not after the start of test `broken` (Sun 2026-03-01 00:00 (day 0))",
        ),
        ("  until +0m\n", "4:9", "`until +0m` is not after the start of test `broken`"),
        ("  until day -1\n", "4:9", "`until day -1` is not after the start"),
        # each once
        ("  start 2026-01-05\n  start 2026-03-01\n", "5:3", "`start` is given twice in test `broken`"),
        ("  until day 30\n  until day 2\n", "5:3", "`until` is given twice in test `broken`"),
        (
            '  contact {\n    role = "CTO"\n  }\n  contact {\n    industry = "SaaS"\n  }\n',
            "7:3",
            "`contact` is given twice in test `broken`",
        ),
        # what could never match
        ("  expect sms inbound.welcome\n", "4:14", "`welcome` is an email step: `expect sms` could never match it"),
        ("  expect never ads inbound.welcome\n", "4:20", "`welcome` is an email step: `expect ads`"),
        ("  expect email inbound.li_note\n", "4:16", "`li_note` is a linkedin step"),
        ("  expect touch inbound.crm_sync\n", "4:16", "`crm_sync` is a `webhook` step, not a touch"),
        ("  expect email inbound.branch_1\n", "4:16", "`branch_1` is a `branch` step, not a touch"),
        ("  expect handoff salse\n", "4:18", "unknown team `salse`"),
        ('  expect notify sdx "Call now."\n', "4:17", "unknown recipient `sdx`"),
    ],
)
def test_a_test_that_could_pass_vacuously_or_never_match_is_a_located_error(project, lines, where, message):
    path = write_test(project, f"test broken {{\n{lines}  expect never handoff\n}}\n")
    result = run(path)
    assert result.exit_code == 2, result.stdout
    assert f"my_test.nurture:{where}: error[NUR01" in result.stderr, result.stderr
    assert message in result.stderr, result.stderr


def test_a_repeated_item_points_at_the_first_and_a_typo_gets_a_did_you_mean(project):
    path = write_test(
        project,
        'test twice {\n  until day 30\n  until day 2\n  expect handoff salse\n  expect notify sdx "x"\n}\n',
    )
    result = run(path)
    assert "my_test.nurture:4:3: first given here" in result.stderr
    assert "did you mean `sales`?" in result.stderr and "did you mean `sdr`?" in result.stderr


def test_moments_at_the_edge_of_the_run_are_accepted(project):
    """`until day 5` runs to the end of day 5: an expectation on day 5, or
    a history event before the start, is inside it."""
    path = write_test(
        project,
        "test edge {\n  until day 14\n"
        + CTO
        + '  history {\n    day -3 visited("pricing")\n    day 0 downloaded("resource")\n  }\n'
        + "  expect email inbound.ask on day 14\n  expect never sms inbound.ask by day 14\n}\n",
    )
    result = run(path)
    assert result.exit_code == 2  # `sms` of an email step
    path.write_text(path.read_text().replace("sms inbound.ask", "email inbound.biz_proof"))
    result = run(path)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_test_name_given_twice_is_an_error(project):
    path = write_test(project, "test same {\n  expect never handoff\n}\ntest same {\n  expect never handoff\n}\n")
    result = run(path)
    assert result.exit_code == 2
    assert "my_test.nurture:6:6: error[NUR011] test `same` is defined twice" in result.stderr


def test_json_output_and_any_channel(project):
    path = write_test(
        project,
        "test any_touch {\n  until day 2\n"
        + CTO
        + '  history {\n    day 0 downloaded("resource")\n  }\n'
        + "  expect touch inbound.welcome on day 0\n  expect email inbound.checklist\n}\n",
    )
    result = run(path, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["summary"] == {"tests": 1, "passed": 0, "failed": 1, "errors": 0}
    assert document["errors"] == []
    (test,) = document["tests"]
    assert (test["name"], test["line"], test["outcome"]) == ("any_touch", 3, "failed")
    (failure,) = test["failures"]
    assert failure == {
        "line": 15,
        "column": 3,
        "expectation": "expect email inbound.checklist",
        "message": "expected email inbound.checklist; it never happened",
    }
    assert "coverage" not in document


def test_the_sim_report_draws_untested_arrows_on_render(tmp_path):
    report = tmp_path / "tested.json"
    assert run(PLAYBOOKS, "--sim-report", report).exit_code == 0
    document = json.loads(report.read_text())
    assert document["format"] == "nurturedsl-simulation"
    # two ghost tests enter the flow; none ends the wait by its event arm (see docs/testing.md)
    assert document["flows"]["ghost"]["entered"] == 2
    assert document["flows"]["ghost"]["transitions"]["wait_until_1"][0] == 0
    render = CliRunner().invoke(
        main,
        [
            "render",
            str(PLAYBOOKS / "programme.nurture"),
            "--flow",
            "ghost",
            "--sim",
            str(report),
            "--format",
            "mermaid",
        ],
    )
    assert render.exit_code == 0, render.stderr
    assert "event: replied · 0 (0#37;)" in render.stdout
