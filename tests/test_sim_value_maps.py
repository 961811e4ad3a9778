"""Value maps in a --map file (`[values.NAME]`): CRM labels read as the
playbook's values, consent flags, an unsubscribed flag that becomes an
`unsubscribed` event, lifecycle stages (docs/simulation.md, "Value maps")."""

import json

import pytest

from nurturedsl.ir import compile_programme, dumps
from nurturedsl.model import load
from nurturedsl.sim.inputs import InputError, load_contacts, parse_mapping

from .conftest import ROOT
from .test_sim_inputcheck import PROGRAMME, run

FIXTURES = ROOT / "tests" / "fixtures" / "crm"
CONTACTS = FIXTURES / "values-contacts.csv"
MAP = FIXTURES / "values-map.toml"


@pytest.fixture(scope="module")
def ir():
    return json.loads(dumps(compile_programme(load(str(PROGRAMME)))))


def test_values_are_read_as_mapped_and_others_as_written(ir):
    read: dict = {}
    contacts, _ = load_contacts(str(CONTACTS), ir, parse_mapping([str(MAP)]), read=read)
    data = {c.id: c.data for c in contacts}
    assert [data[c]["industry"] for c in ("c1", "c2", "c3")] == ["SaaS", "Retail", "SaaS"]
    assert [data[c]["consent"] for c in ("c1", "c2", "c3")] == [["email"], [], ["email"]]  # "" is absent
    assert [data[c]["lifecycle_stage"] for c in ("c1", "c2", "c3")] == ["mql", "Lead", "Lead"]
    assert "event" not in data["c1"]  # the flag is not an attribute
    assert read["unsubscribed"] == {"c2": "2026-02-01", "c3": None}


def test_values_match_whatever_their_case(tmp_path, ir):
    contacts = tmp_path / "c.csv"
    contacts.write_text("id,industry\nc1,COMPUTER software\n")
    mapping = parse_mapping(["industry=industry"])
    mapping.value_maps["industry"] = {"computer software": "SaaS"}
    loaded, _ = load_contacts(str(contacts), ir, mapping)
    assert loaded[0].data["industry"] == "SaaS"


def test_the_unsubscribed_flag_is_an_event_at_its_date_or_the_start():
    c2 = run(PROGRAMME, "--contacts", CONTACTS, "--map", MAP, "--start", "2026-01-05", "--contact", "c2")
    assert "Sun 2026-02-01 01:00  event      unsubscribed" in c2.stdout  # midnight UTC, shown in Berlin
    c3 = run(PROGRAMME, "--contacts", CONTACTS, "--map", MAP, "--start", "2026-01-05", "--contact", "c3")
    assert "Mon 2026-01-05 01:00  event      unsubscribed" in c3.stdout  # no date: the replay's start
    c1 = run(PROGRAMME, "--contacts", CONTACTS, "--map", MAP, "--start", "2026-01-05", "--contact", "c1")
    assert "unsubscribed" not in c1.stdout
    report = json.loads(
        run(PROGRAMME, "--contacts", CONTACTS, "--map", MAP, "--start", "2026-01-05", "--format", "json").stdout
    )
    assert report["unsubscribes"] == 2


def test_a_value_map_naming_no_column_is_a_located_error_with_a_suggestion(tmp_path, ir):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAP.read_text() + '\n[values.industy]\n"Retail" = "B2C"\n')
    with pytest.raises(InputError) as caught:
        load_contacts(str(CONTACTS), ir, parse_mapping([str(mapping)]))
    assert str(caught.value) == (
        f"{CONTACTS}:1: --map: {mapping}: [values.industy]: no column or attribute `industy` in "
        "values-contacts.csv; did you mean `industry`?"
    )


def test_a_value_map_to_something_other_than_text_is_refused(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('[map]\n"a" = "b"\n[values.b]\n"x" = 1\n')
    with pytest.raises(InputError, match=r"\[values.b\]: `x` should map to a value in quotes"):
        parse_mapping([str(mapping)])


def test_a_preset_value_map_reads_hubspot_consent(ir):
    contacts, _ = load_contacts(str(FIXTURES / "hubspot-export.csv"), ir, parse_mapping(["hubspot"]))
    assert [c.data["consent"] for c in contacts] == [["email"], ["email"], []]


def test_salesforce_email_opt_out_is_consent(ir):
    leads, _ = load_contacts(str(FIXTURES / "salesforce-leads.csv"), ir, parse_mapping(["salesforce"]))
    assert [c.data["consent"] for c in leads] == [["email"], []]


def test_the_documented_value_map_is_the_fixture():
    doc = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    assert MAP.read_text() in doc
