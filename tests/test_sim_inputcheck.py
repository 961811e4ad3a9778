"""What the contacts read mean for the programme (nurturedsl/sim/inputcheck.py):
columns that became custom attributes nobody reads, values that did not
parse, and score thresholds none of whose fit attributes any contact has
(docs/simulation.md, "Mapping columns" and "What was read")."""

import json

from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.sim.inputcheck import attributes_read, suggestion

from .conftest import PLAYBOOKS, ROOT

EXAMPLES = ROOT / "examples"
PROGRAMME = PLAYBOOKS / "programme.nurture"

# Exactly the mappings `simulate` suggested, one error at a time, for
# examples/hubspot-contacts.csv before value maps and presets (issue 15).
SUGGESTED = """[map]
"Record ID" = "id"
"First Name" = "first_name"
"Last Name" = "last_name"
"Email" = "email"
"Industry" = "industry"
"Time Zone" = "timezone"
"Consent" = "consent"
"Lifecycle Stage" = "lifecycle_stage"
"Create Date" = "created_at"
"Deal Stage" = "deal.stage"
"""


def run(*args):
    return CliRunner().invoke(main, ["simulate", *map(str, args)], catch_exceptions=False)


def test_the_suggested_map_no_longer_loses_columns_silently(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text(SUGGESTED)
    result = run(PROGRAMME, "--contacts", EXAMPLES / "hubspot-contacts.csv", "--map", mapping, "--start", "2026-01-05")
    assert result.exit_code == 0
    err = result.stderr
    for source, attribute in [
        ("Job Title", "title"),
        ("Number of Employees", "employees"),
        ("Annual Revenue", "revenue"),
    ]:
        assert (
            f"hubspot-contacts.csv:1: warning: column `{source}` is read as a custom attribute under its own name, "
            f"not as `{attribute}`; map it with --map '{source}={attribute}'"
        ) in err
    assert "read 5 contacts; 9 columns unused (no condition reads them): `Job Title`, `Company Name`," in err


def test_the_full_example_map_warns_only_about_the_custom_column_nobody_reads():
    result = run(
        PROGRAMME, "--contacts", EXAMPLES / "hubspot-contacts.csv", "--map", EXAMPLES / "hubspot-map.toml",
        "--start", "2026-01-05",
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr == (
        "examples/hubspot-contacts.csv: read 5 contacts; 1 column unused (no condition reads them): "
        "`Lead Status (lead_status)`\n"
        # two of the five were created on 2026-01-15 (`Create Date`, mapped to created_at)
        "nurturedsl: warning: 2 contacts were created after --start 2026-01-05 (created_at): "
        "each is looked at from its created_at date on\n"
    ).replace("examples/", str(EXAMPLES) + "/")
    assert "Warning" not in result.stdout


def test_columns_the_programme_reads_are_silent(tmp_path):
    contacts = tmp_path / "c.csv"
    contacts.write_text("id,title,industry,revenue\nc1,CEO,SaaS,6M\n")
    result = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_unparseable_values_are_counted_per_column_with_the_first_line(tmp_path):
    contacts = tmp_path / "c.csv"
    contacts.write_text("id,revenue,title\nc1,6M,CEO\nc2,about 5M,CEO\nc3,7M,CTO\nc4,lots,CEO\n")
    result = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05", "--skip-bad-rows")
    assert result.exit_code == 0
    assert f"{contacts}: read 2 contacts; 2 rows with an unparseable `revenue`, first at line 3\n" in result.stderr


def test_a_threshold_whose_fit_attributes_nobody_has_is_a_warning_in_the_report(tmp_path):
    contacts = tmp_path / "c.csv"
    contacts.write_text("id,role\nc1,CTO\nc2,CFO\n")
    warning = (
        "Warning: lead.mql: no contact has `industry`, `revenue` or `title`, "
        "the attributes the fit rules of `lead` read (only its rules on events can add points)"
    )
    text = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05")
    assert text.exit_code == 0
    assert warning in text.stdout
    assert warning.replace("lead.mql", "lead.sql") in text.stdout
    data = json.loads(run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05", "--format", "json").stdout)
    assert warning in json.dumps(data)


def test_one_contact_with_one_fit_attribute_silences_the_warning(tmp_path):
    contacts = tmp_path / "c.csv"
    contacts.write_text("id,role,industry\nc1,CTO,\nc2,CFO,Retail\n")
    result = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05")
    assert result.exit_code == 0
    assert "Warning" not in result.stdout


def test_attributes_read_finds_every_var():
    ir = {"a": [{"==": [{"var": "title"}, "CEO"]}], "b": {"in": [{"var": ["deal.stage", None]}, ["x"]]}}
    assert attributes_read(ir) == {"title", "deal.stage"}


def test_suggestions_from_crm_names_and_name_parts():
    known = {"title", "employees", "revenue", "company", "email", "phone"}
    assert suggestion("Job Title", known, set()) == "title"
    assert suggestion("No. of Employees", known, set()) == "employees"
    assert suggestion("Annual Revenue", known, set()) == "revenue"
    assert suggestion("Company Name", known, set()) == "company"
    assert suggestion("Email Opt Out", known, {"email"}) is None  # email is given by another column
    assert suggestion("Lead Status", known, set()) is None


def test_the_documented_lines_are_what_simulate_prints(tmp_path):
    doc = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text(SUGGESTED)
    result = run(PROGRAMME, "--contacts", EXAMPLES / "hubspot-contacts.csv", "--map", mapping, "--start", "2026-01-05")
    documented = [line for line in doc.splitlines() if line.startswith("examples/hubspot-contacts.csv:")]
    assert len(documented) == 2
    printed = result.stderr.replace(str(EXAMPLES) + "/", "examples/").splitlines()
    assert all(line in printed for line in documented)
    contacts = tmp_path / "c.csv"
    contacts.write_text("id,role\nc1,CTO\n")
    warning = next(line for line in doc.splitlines() if line.startswith("Warning: lead.mql"))
    assert warning in run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05").stdout.splitlines()


def test_a_near_miss_column_is_offered_a_declarable_name_of_its_own(tmp_path):
    # `Created Att` is close to `created_at`; `attribute Created Att: string` is no declaration the language reads
    contacts = tmp_path / "c.csv"
    contacts.write_text("id,Created Att\nc1,2026-01-01\n")
    result = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05")
    assert result.exit_code == 2
    assert "or --map 'Created Att=created_att' and declare `attribute created_att: string`" in result.stderr
    # a name that is already one the language can declare is offered as it is
    contacts.write_text("id,created_att\nc1,2026-01-01\n")
    result = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05")
    assert "or declare `attribute created_att: string`" in result.stderr
