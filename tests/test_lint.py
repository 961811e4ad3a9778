"""`nurturedsl lint` and `nurturedsl rules` as a user meets them: formats,
exit codes, configuration, suppressions, the catalogue and its docs page.
What each rule finds is tested against its fixtures in test_lint_rules.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.lint import catalogue
from nurturedsl.lint.registry import RULES
from nurturedsl.lint.rule import FAMILIES

from .conftest import ROOT, SHARED, write

TODAY = "2026-11-22"
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"

# One give, then an ask (NUR301), and a stale review date (when that rule is on).
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


def run(*args: str, cwd: Path | None = None, monkeypatch=None):
    if cwd is not None and monkeypatch is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(
        main, list(args), prog_name="nurturedsl", env={"NO_COLOR": "1", "FORCE_COLOR": None}, catch_exceptions=False
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder (nurturedsl.toml marks it) as the working
    directory."""
    write(tmp_path, "nurturedsl.toml", "")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ------------------------------------------------------------ the playbooks --


def test_bundled_playbooks_lint_clean(monkeypatch):
    result = run("lint", "playbooks", "--today", TODAY, cwd=ROOT, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert not re.search(r"(error|warning)\[NUR", result.stdout), result.stdout


# ---------------------------------------------------------------- exit codes --


def test_findings_exit_1_and_fail_on_raises_the_bar(project):
    write(project, "f.nurture", ASK_TOO_SOON)
    result = run("lint", "f.nurture", "--select", "NUR301")
    assert result.exit_code == 1
    assert "f.nurture:10:3: warning[NUR301] ask `ask` can be reached after only 1 give" in result.stdout
    assert result.stdout.rstrip().endswith("0 errors, 1 warning in 1 file")
    assert run("lint", "f.nurture", "--select", "NUR301", "--fail-on", "error").exit_code == 0


def test_a_playbook_that_does_not_check_exits_2_in_every_format(project):
    write(project, "bad.nurture", "flow f {\n  email welcome: missing\n}\n")
    for fmt in ("text", "json", "sarif", "github"):
        result = run("lint", "bad.nurture", "--format", fmt)
        assert result.exit_code == 2, fmt
        assert "NUR010" in result.stdout, fmt


def test_usage_errors_exit_2_with_a_hint(project):
    write(project, "f.nurture", ASK_TOO_SOON)
    result = run("lint", "f.nurture", "--select", "ask-before-give")
    assert result.exit_code == 2
    assert "unknown rule `ask-before-give`; did you mean `ask-before-gives`?" in result.stderr
    result = run("lint", "f.nurture", "--today", "22/11/2026")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


def test_clean_file_exits_0_and_quiet_prints_nothing(project):
    write(project, "lib.nurture", 'content post give "Ungated post"\n')
    result = run("lint", "lib.nurture", "--select", "NUR301", "-q")
    assert result.exit_code == 0 and result.stdout == ""


# -------------------------------------------------------------------- formats --


def test_json_report_is_versioned_and_complete(project):
    write(project, "f.nurture", ASK_TOO_SOON)
    result = run("lint", "f.nurture", "--format", "json", "--select", "NUR301")
    document = json.loads(result.stdout)
    assert document["version"] == "1.0"
    assert document["summary"] == {"errors": 0, "warnings": 1, "infos": 0, "files": 1, "broken": False}
    [finding] = document["diagnostics"]
    assert finding == {
        "code": "NUR301",
        "name": "ask-before-gives",
        "severity": "warning",
        "message": "ask `ask` can be reached after only 1 give; give-to-get is 3:1",
        "path": "f.nurture",
        "line": 10,
        "column": 3,
        "end_line": 10,
        "end_column": 25,
        "notes": ["path: entry → welcome → wait 7d → ask", "the ratio comes from the default"],
        "hints": finding["hints"],
    }


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason="the official SARIF schema is not beside the repository")
def test_sarif_validates_against_the_official_schema(project):
    import jsonschema

    write(project, "f.nurture", ASK_TOO_SOON)
    write(project, "bad.nurture", "flow {\n")
    result = run("lint", "f.nurture", "bad.nurture", "--format", "sarif")
    document = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    [sarif_run] = document["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {rule.code for rule in RULES}
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
    by_rule = {r["ruleId"]: r for r in sarif_run["results"]}
    assert set(by_rule) >= {"NUR301", "NUR001"}
    finding = by_rule["NUR301"]
    assert rules[finding["ruleIndex"]]["id"] == "NUR301"
    assert "The Complete Guide to Converting Leads into Sales" in rules[finding["ruleIndex"]]["help"]["text"]
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "f.nurture", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 10
    assert finding["partialFingerprints"]


def test_sarif_fingerprints_survive_lines_added_above(project):
    write(project, "f.nurture", ASK_TOO_SOON)
    before = json.loads(run("lint", "f.nurture", "--format", "sarif").stdout)
    write(project, "f.nurture", "# a new comment\n\n" + ASK_TOO_SOON)
    after = json.loads(run("lint", "f.nurture", "--format", "sarif").stdout)

    def prints(document):
        return sorted(r["partialFingerprints"]["nurturedslFinding/v1"] for r in document["runs"][0]["results"])

    assert prints(before) == prints(after) and prints(before)


def test_github_annotations(project):
    write(project, "f.nurture", ASK_TOO_SOON)
    result = run("lint", "f.nurture", "--format", "github", "--select", "NUR301")
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        "::warning file=f.nurture,line=10,col=3,endLine=10,endColumn=25,"
        "title=NUR301 ask-before-gives::ask `ask` can be reached after only 1 give"
    )
    assert "%0Apath: entry → welcome → wait 7d → ask" in first


def test_report_written_atomically_to_a_file(project):
    write(project, "f.nurture", ASK_TOO_SOON)
    result = run("lint", "f.nurture", "--format", "json", "-o", "out/report.json")
    assert result.exit_code == 2 and "cannot write" in result.stderr  # the folder does not exist
    result = run("lint", "f.nurture", "--format", "json", "-o", "report.json")
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((project / "report.json").read_text(encoding="utf-8"))["summary"]["warnings"] >= 1


# --------------------------------------------------------------- configuration --


def test_pyproject_config_is_found_walking_up(tmp_path, monkeypatch):
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.nurturedsl]\nselect = ["give-to-get"]\n')
    write(tmp_path, "playbooks/deep/f.nurture", ASK_TOO_SOON)
    result = run("lint", "playbooks", cwd=tmp_path, monkeypatch=monkeypatch)
    assert "playbooks/deep/f.nurture:10:3: warning[NUR301]" in result.stdout
    write(tmp_path, "pyproject.toml", '[tool.nurturedsl]\nselect = ["give-to-get"]\nignore = ["NUR301"]\n')
    result = run("lint", "playbooks", cwd=tmp_path, monkeypatch=monkeypatch)
    assert "NUR301" not in result.stdout


def test_config_severity_options_and_per_file_ignores(project):
    write(project, "f.nurture", ASK_TOO_SOON)
    write(project, "legacy/old.nurture", ASK_TOO_SOON)
    write(
        project,
        "nurturedsl.toml",
        """
select = ["NUR301"]
per-file-ignores = { "legacy/*" = ["NUR301"] }
[rules.ask-before-gives]
severity = "error"
ratio = "1:1"
""",
    )
    result = run("lint", ".")
    assert result.exit_code == 0, result.output  # 1:1 is met by one give
    write(
        project,
        "nurturedsl.toml",
        'select = ["NUR301"]\nper-file-ignores = { "legacy/*" = ["NUR301"] }\n[rules.NUR301]\nseverity = "error"\n',
    )
    result = run("lint", ".")
    assert "f.nurture:10:3: error[NUR301]" in result.stdout
    assert "legacy" not in result.stdout


def test_the_playbook_policy_wins_over_the_config_file(project):
    write(project, "nurturedsl.toml", 'select = ["NUR301"]\n[rules.NUR301]\nratio = "1:1"\n')
    write(project, "f.nurture", "policy { give_to_get 2:1 }\n" + ASK_TOO_SOON)
    result = run("lint", "f.nurture")
    assert "give-to-get is 2:1" in result.stdout
    assert "the ratio comes from the policy's `give_to_get`" in result.stdout


@pytest.mark.parametrize(
    "config, message",
    [
        ('selct = ["NUR301"]', "unknown key `selct`; did you mean `select`?"),
        ('select = "NUR301"', "`select` must be a list of strings"),
        ('[rules.NUR301]\nratoi = "3:1"', "NUR301 has no option `ratoi`; did you mean `ratio`?"),
        ('[rules.NUR301]\nratio = "three"', "`ratio`: `three` is not a ratio like `3:1`"),
        ('[rules.NUR301]\nseverity = "fatal"', "must be one of error, warning, info, off"),
        ('fail-on = "warnings"', "`fail-on` must be one of error, warning, info"),
        ("select = [", "not valid TOML"),
    ],
)
def test_config_mistakes_are_usage_errors(project, config, message):
    write(project, "nurturedsl.toml", config + "\n")
    write(project, "f.nurture", ASK_TOO_SOON)
    result = run("lint", "f.nurture")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "nurturedsl.toml" in result.stderr
    assert "Traceback" not in result.output


def test_explicit_config_file(project):
    write(project, "strict.toml", 'select = ["NUR301"]\nfail-on = "error"\n')
    write(project, "f.nurture", ASK_TOO_SOON)
    result = run("lint", "f.nurture", "--config", "strict.toml")
    assert result.exit_code == 0 and "NUR301" in result.stdout


# ---------------------------------------------------------------- suppression --


def test_suppression_on_the_block_header_covers_the_block(project):
    write(project, "f.nurture", ASK_TOO_SOON.replace("flow f {", "flow f {  # nurture: ignore[NUR301]"))
    result = run("lint", "f.nurture", "--select", "NUR301,NUR099")
    assert result.exit_code == 0, result.stdout


def test_suppression_by_name_on_the_line(project):
    write(project, "f.nurture", ASK_TOO_SOON.replace("demo as ask", "demo as ask  # nurture: ignore[ask-before-gives]"))
    result = run("lint", "f.nurture", "--select", "NUR301,NUR099")
    assert result.exit_code == 0, result.stdout


def test_a_suppression_inside_a_string_is_text(project):
    text = ASK_TOO_SOON.replace('"Book a demo" cta', '"Book # nurture: ignore[NUR301]" cta')
    write(project, "f.nurture", text)
    result = run("lint", "f.nurture", "--select", "NUR301,NUR099")
    assert "NUR301" in result.stdout and "NUR099" not in result.stdout


# ------------------------------------------------------------ which files --


def test_findings_are_reported_in_the_files_named(project):
    write(project, "lib.nurture", 'content post give "Ungated post"\ncontent demo ask "Book a demo" cta "Book"\n')
    write(project, "flow.nurture", 'import "lib.nurture"\n' + "\n".join(ASK_TOO_SOON.splitlines()[3:]) + "\n")
    both = run("lint", "flow.nurture", "lib.nurture", "--select", "NUR301")
    assert "flow.nurture:" in both.stdout and "in 2 files" in both.stdout


def test_a_broadcast_flow_with_an_audience_that_selects_nobody_says_so(project):
    # NUR701 once crashed (an internal error, exit 3) on any flow with such an `audience`
    write(
        project,
        "flow.nurture",
        'content post give "Ungated post"\n'
        'flow inbound {\n  entry on downloaded("resource")\n  audience has email\n'
        '  exit on unsubscribed, booked("demo")\n  email welcome: post\n}\n',
    )
    done = run("lint", "flow.nurture", "--select", "NUR701")
    assert done.exit_code == 1, done.output
    assert "flow `inbound` sends one track" in done.stdout
    assert "`audience has email` selects no segment either" in done.stdout


# ------------------------------------------------------------------ catalogue --


def test_rules_are_well_formed():
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    hundreds = {
        "suppression": "0",
        "structure": "1",
        "timing": "2",
        "give-to-get": "3",
        "scoring": "4",
        "compliance": "5",
        "content": "6",
        "segmentation": "7",
        "re-engagement": "8",
        "freshness": "9",
    }
    assert set(hundreds) == set(FAMILIES)
    for rule in RULES:
        assert re.fullmatch(r"NUR\d{3}", rule.code) and rule.code[3] == hundreds[rule.family], rule.code
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name), rule.name
        doc = rule.doc()
        assert doc.summary and doc.rationale and doc.bad and doc.good, f"{rule.code} docstring is incomplete"
        if rule.code != "NUR099":
            _, found, source = doc.rationale.partition("Source:")
            assert found and source.strip(), f"{rule.code} has no `Source:` sentence"
            rests_on = " ".join(source.split()).startswith("neither article; it rests on ")
            assert catalogue.cited(doc.rationale) or rests_on, (
                f"{rule.code} cites no article of catalogue.SOURCES and says nothing about what it rests on"
            )
    assert codes == sorted(codes), "register rules in code order"


def test_rules_lists_every_rule_and_explains_one():
    listing = run("rules").stdout
    for rule in RULES:
        assert rule.code in listing and rule.name in listing
    explained = run("rules", "ask-before-gives").stdout
    assert explained.startswith("NUR301 ask-before-gives:")
    assert "Bad:" in explained and "Good:" in explained and "`ratio` (ratio, default `3:1`)" in explained
    words = " ".join(explained.split())
    assert 'Source: Vanderbuild, "Mistake 3' in words and 'Vanderbuild: "B2B Lead Nurturing: The Complete' in words
    result = run("rules", "NUR3011")
    assert result.exit_code == 2 and "did you mean `NUR301`?" in result.stderr


def test_rules_json_catalogue():
    document = json.loads(run("rules", "--format", "json").stdout)
    assert [r["code"] for r in document["rules"]] == [rule.code for rule in RULES]
    ratio = next(r for r in document["rules"] if r["code"] == "NUR301")["options"][0]
    assert ratio == {
        "name": "ratio",
        "kind": "ratio",
        "default": "3:1",
        "policy": "give_to_get",
        "flow": None,
        "help": ratio["help"],
    }
    by_code = {r["code"]: r for r in document["rules"]}
    assert by_code["NUR301"]["sources"] == ["Vanderbuild"] and by_code["NUR404"]["sources"] == ["Lacy", "Vanderbuild"]
    assert "vanderbuild.cp/blog/" in document["sources"]["Vanderbuild"]


def test_docs_rules_md_is_current():
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == catalogue.markdown(list(RULES)), (
        "docs/rules.md is stale: run `nurturedsl rules --format markdown -o docs/rules.md`"
    )
