"""`nurturedsl prepare` sorts unsorted exports into Parquet buckets that
`simulate --contacts DIR` streams: the same report as the exports' replay,
the same trace lines (bucket by bucket), the folder written whole or not."""

import json
import os

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT, write

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

PROGRAMME = str(PLAYBOOKS / "programme.nurture")
EXAMPLES = ROOT / "examples"


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)


def _replay(tmp_path, name, *inputs, extra=()):
    trace = tmp_path / f"{name}.trace.jsonl"
    result = run("simulate", PROGRAMME, *inputs, "-f", "json", "--trace", trace, *extra)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    del report["inputs"]
    return report, sorted(trace.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("buckets", [1, 3])
@pytest.mark.parametrize("events", ["events.jsonl", "events.csv"])
def test_a_prepared_folder_replays_as_its_exports_do(tmp_path, buckets, events):
    folder = tmp_path / "prepared"
    result = run("prepare", EXAMPLES / "contacts.csv", EXAMPLES / events, "-o", folder, "--buckets", buckets)
    assert result.exit_code == 0, result.stderr
    assert f"12 contact rows and 21 event rows in {buckets} bucket" in result.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["contact_rows"] == 12 and len(manifest["buckets"]) == buckets
    assert sorted(os.listdir(tmp_path)) == ["prepared"]  # no temporary folder left
    given = ("--start", "2026-01-05")
    exports = _replay(
        tmp_path, "exports", "--contacts", EXAMPLES / "contacts.csv", "--events", EXAMPLES / events, extra=given
    )
    prepared = _replay(tmp_path, "prepared", "--contacts", folder, extra=given)
    assert prepared == exports
    workers = _replay(tmp_path, "workers", "--contacts", folder, extra=(*given, "--workers", "2"))
    assert workers == exports


def test_an_export_with_its_crm_names_is_prepared_by_its_id_column(tmp_path):
    folder = tmp_path / "prepared"
    export = EXAMPLES / "hubspot-contacts.csv"
    result = run("prepare", export, "-o", folder, "--id", "Record ID", "--buckets", 2)
    assert result.exit_code == 0, result.stderr
    mapping = ("--map", EXAMPLES / "hubspot-map.toml", "--start", "2026-01-05")
    assert _replay(tmp_path, "prepared", "--contacts", folder, extra=mapping) == _replay(
        tmp_path, "export", "--contacts", export, extra=mapping
    )
    missing = run("prepare", export, "-o", tmp_path / "other")
    assert missing.exit_code == 2 and "no `id` column" in missing.stderr and "--id COLUMN" in missing.stderr


def test_prepare_never_overwrites_what_it_did_not_write(tmp_path):
    taken = tmp_path / "taken"
    write(taken, "notes.txt", "mine")
    result = run("prepare", EXAMPLES / "contacts.csv", "-o", taken)
    assert result.exit_code == 2 and "exists and is not a prepared folder" in result.stderr
    assert (taken / "notes.txt").read_text() == "mine"
    inside = write(tmp_path / "out", "contacts.csv", (EXAMPLES / "contacts.csv").read_text(encoding="utf-8"))
    result = run("prepare", inside, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "is inside it" in result.stderr


def test_preparing_again_replaces_the_folder_whole(tmp_path):
    folder = tmp_path / "prepared"
    assert (
        run("prepare", EXAMPLES / "contacts.csv", EXAMPLES / "events.jsonl", "-o", folder, "--buckets", 4).exit_code
        == 0
    )
    assert run("prepare", EXAMPLES / "contacts.csv", "-o", folder, "--buckets", 2).exit_code == 0
    assert sorted(os.listdir(folder)) == ["contacts-00000.parquet", "contacts-00001.parquet", "manifest.json"]
    assert sorted(os.listdir(tmp_path)) == ["prepared"]


def test_a_prepared_folder_holds_its_events(tmp_path):
    folder = tmp_path / "prepared"
    assert run("prepare", EXAMPLES / "contacts.csv", EXAMPLES / "events.jsonl", "-o", folder).exit_code == 0
    result = run("simulate", PROGRAMME, "--contacts", folder, "--events", EXAMPLES / "events.jsonl")
    assert result.exit_code == 2 and "is a prepared folder, which holds the events too" in result.stderr


def test_prepare_without_duckdb_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "duckdb", None)
    result = run("prepare", EXAMPLES / "contacts.csv", "-o", tmp_path / "prepared")
    assert result.exit_code == 2 and "pip install 'nurturedsl[columnar]'" in result.stderr
    assert not (tmp_path / "prepared").exists()


def test_one_contact_of_a_prepared_folder_is_followed(tmp_path):
    folder = tmp_path / "prepared"
    assert (
        run("prepare", EXAMPLES / "contacts.csv", EXAMPLES / "events.jsonl", "-o", folder, "--buckets", 4).exit_code
        == 0
    )
    for contact in ("c1", "c12"):
        given = ("--contact", contact, "--start", "2026-01-05")
        prepared = run("simulate", PROGRAMME, "--contacts", folder, *given)
        exports = run(
            "simulate",
            PROGRAMME,
            "--contacts",
            EXAMPLES / "contacts.csv",
            "--events",
            EXAMPLES / "events.jsonl",
            *given,
        )
        assert prepared.exit_code == 0 and prepared.stdout == exports.stdout


def test_no_output_may_overwrite_a_prepared_folders_file(tmp_path):
    folder = tmp_path / "prepared"
    assert run("prepare", EXAMPLES / "contacts.csv", EXAMPLES / "events.jsonl", "-o", folder).exit_code == 0
    before = (folder / "manifest.json").read_bytes()
    result = run("simulate", PROGRAMME, "--contacts", folder, "-o", folder / "manifest.json")
    assert result.exit_code == 2 and "prepared folder" in result.stderr
    assert (folder / "manifest.json").read_bytes() == before


def test_ids_padded_with_whitespace_share_their_events_bucket(tmp_path):
    contacts = write(
        tmp_path, "in/contacts.csv", "id,created_at\n\tc2 ,2026-01-01\nc1,2026-01-02\n\u00a0c3,2026-01-03\n"
    )
    events = write(
        tmp_path,
        "in/events.csv",
        "contact,at,event\nc2,2026-01-05T10:00:00Z,visited\n c3\t,2026-01-06T10:00:00Z,visited\nc1,2026-01-07T10:00:00Z,visited\n",
    )
    folder = tmp_path / "prepared"
    assert run("prepare", contacts, events, "-o", folder, "--buckets", 8).exit_code == 0
    given = ("--start", "2026-01-05")
    assert _replay(tmp_path, "prepared", "--contacts", folder, extra=given) == _replay(
        tmp_path, "exports", "--contacts", contacts, "--events", events, extra=given
    )
