"""`--map hubspot` and `--map salesforce`: built-in column maps that read
those CRMs' exports under their default headers (docs/simulation.md,
"Mapping columns"). The fixtures follow the documented export columns."""

import pytest

from nurturedsl.sim.inputs import InputError, load_contacts, parse_mapping

from .conftest import ROOT
from .test_sim_inputcheck import PROGRAMME, run

FIXTURES = ROOT / "tests" / "fixtures" / "crm"


@pytest.fixture(scope="module")
def ir():
    import json

    from nurturedsl.ir import compile_programme, dumps
    from nurturedsl.model import load

    return json.loads(dumps(compile_programme(load(str(PROGRAMME)))))


def test_hubspot_export_under_its_default_headers(ir):
    contacts, bad = load_contacts(str(FIXTURES / "hubspot-export.csv"), ir, parse_mapping(["hubspot"]))
    assert bad == []
    avery = contacts[0].data
    assert contacts[0].id == "1001"
    assert (avery["title"], avery["company"], avery["employees"], avery["revenue"]) == (
        "CEO",
        "Brightloop",
        240,
        6_000_000,
    )
    assert avery["name"] == "Avery Chen"
    assert avery["lifecycle_stage"] == "Lead" and avery["created_at"] == "2025-12-18"
    assert "Contact owner" not in avery and "Last Activity Date" not in avery  # dropped by the preset
    assert contacts[1].data["phone"] == "+55 11 91234 5678"


def test_salesforce_leads_and_contacts_reports_with_one_preset(ir):
    leads, _ = load_contacts(str(FIXTURES / "salesforce-leads.csv"), ir, parse_mapping(["salesforce"]))
    assert [c.id for c in leads] == ["00Q5g00000AbCd1", "00Q5g00000AbCd2"]
    assert (leads[0].data["revenue"], leads[0].data["employees"], leads[0].data["company"]) == (
        6_000_000,
        240,
        "Brightloop",
    )
    assert leads[0].data["source"] == "Web" and leads[0].data["lead_status"] == "Open - Not Contacted"
    contacts, _ = load_contacts(str(FIXTURES / "salesforce-contacts.csv"), ir, parse_mapping(["salesforce"]))
    assert contacts[0].id == "0035g00000XyZa1"
    assert (contacts[0].data["company"], contacts[0].data["country"]) == ("Fintrove", "France")


def test_an_entry_after_a_preset_overrides_it(ir):
    mapping = parse_mapping(["hubspot", "Lead Status=status"])
    contacts, _ = load_contacts(str(FIXTURES / "hubspot-export.csv"), ir, mapping)
    assert contacts[0].data["status"] == "New" and "lead_status" not in contacts[0].data


def test_a_file_with_two_of_a_presets_id_columns_is_a_located_error(tmp_path, ir):
    both = tmp_path / "both.csv"
    both.write_text("Contact ID,Lead ID,Email\n1,2,a@b.example\n")
    with pytest.raises(InputError, match=r"both.csv:1: columns `Contact ID` and `Lead ID` both become `id`"):
        load_contacts(str(both), ir, parse_mapping(["salesforce"]))


def test_own_entries_still_must_match_a_column(ir):
    with pytest.raises(InputError, match="no column `Job Titel`"):
        load_contacts(str(FIXTURES / "hubspot-export.csv"), ir, parse_mapping(["hubspot", "Job Titel=title"]))


def test_the_presets_on_the_command_line():
    result = run(
        PROGRAMME, "--contacts", FIXTURES / "salesforce-leads.csv", "--map", "salesforce", "--start", "2026-01-05"
    )
    assert result.exit_code == 0
    assert "replay of 2 contacts" in result.stdout
    assert "warning: column" not in result.stderr  # every default header is mapped


def test_the_documented_preset_commands_run():
    doc = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    commands = [
        line.split()[2:] for line in doc.splitlines() if line.startswith("nurturedsl simulate") and "--map" in line
    ]
    assert len(commands) == 2
    for args in commands:
        result = run(*(str(ROOT / a) if "/" in a else a for a in args))
        assert result.exit_code == 0, result.stderr
