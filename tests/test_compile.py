"""The compiled IR: pinned for every bundled playbook, valid against the
committed schema, and deterministic."""

import json
import re

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nurturedsl import ir, model

from .conftest import PLAYBOOKS, ROOT, write

# the programme's tests (`*_test.nurture`) compile to the programme they import: pinned once
BUNDLED = sorted(p.name for p in PLAYBOOKS.glob("*.nurture") if not p.name.endswith("_test.nurture"))
SCHEMA_PATH = ROOT / "docs" / "schema" / "nurturedsl-ir-1.json"


def compile_path(path) -> str:
    return ir.dumps(ir.compile_programme(model.load(str(path))))


def test_every_playbook_is_bundled():
    expected = {
        "inbound",
        "ghost-recovery",
        "archive",
        "reengagement",
        "surround-sound",
        "scoring",
        "content",
        "programme",
    }
    assert expected <= {name.removesuffix(".nurture") for name in BUNDLED}


@pytest.mark.parametrize("name", BUNDLED)
def test_compiled_ir_snapshot(name, snapshot, monkeypatch):
    monkeypatch.chdir(PLAYBOOKS)
    assert compile_path(name) == snapshot


@pytest.mark.parametrize("name", BUNDLED)
def test_compiled_ir_matches_schema(name):
    schema = json.loads(SCHEMA_PATH.read_text())
    document = json.loads(compile_path(PLAYBOOKS / name))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)


def test_committed_schema_is_current():
    """docs/schema is regenerated with `nurturedsl schema -o docs/schema/nurturedsl-ir-1.json`."""
    assert json.loads(SCHEMA_PATH.read_text()) == ir.ir_schema()


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(ir.ir_schema())
    assert ir.ir_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_rejects_a_broken_document():
    document = json.loads(compile_path(PLAYBOOKS / "inbound.nurture"))
    del document["flows"]["inbound"]["nodes"]["@entry"]["next"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, ir.ir_schema())


def test_compile_is_byte_identical_twice():
    path = PLAYBOOKS / "programme.nurture"
    assert compile_path(path) == compile_path(path)


def test_output_does_not_depend_on_working_directory(monkeypatch, tmp_path):
    from_root = compile_path(PLAYBOOKS / "programme.nurture")
    monkeypatch.chdir(PLAYBOOKS)
    assert compile_path("programme.nurture") == from_root


def _split_declarations(text: str) -> list[str]:
    """Top-level declarations of a file, each with its leading comments."""
    return [
        chunk
        for chunk in re.split(
            r"\n(?=(?:#[^\n]*\n)*(?:import|playbook|policy|segment|content|score|flow|"
            r"attribute|event)\b)",
            text,
        )
        if chunk.strip()
    ]


def _without_spans(value):
    if isinstance(value, dict):
        return {k: _without_spans(v) for k, v in value.items() if k != "span"}
    if isinstance(value, list):
        return [_without_spans(v) for v in value]
    return value


def _single_file_programme() -> list[str]:
    """The whole bundled programme inlined into one file."""
    parts = []
    for name in (
        "policy",
        "content",
        "scoring",
        "inbound",
        "ghost-recovery",
        "archive",
        "reengagement",
        "surround-sound",
    ):
        text = (PLAYBOOKS / f"{name}.nurture").read_text()
        parts += [d for d in _split_declarations(text) if not d.lstrip().startswith(("import", "playbook"))]
    return parts


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reordering_declarations_changes_nothing_but_spans(tmp_path_factory, rng):
    declarations = _single_file_programme()
    folder = tmp_path_factory.mktemp("reorder")
    original = write(folder / "original", "programme.nurture", "\n".join(declarations))
    shuffled = list(declarations)
    rng.shuffle(shuffled)
    reordered = write(folder / "reordered", "programme.nurture", "\n".join(shuffled))
    first = json.loads(compile_path(original))
    second = json.loads(compile_path(reordered))
    assert _without_spans(first) == _without_spans(second)


def test_durations_are_seconds_with_iso_beside():
    document = json.loads(compile_path(PLAYBOOKS / "inbound.nurture"))
    wait = document["flows"]["inbound"]["nodes"]["wait_1"]
    assert wait["duration"] == {"seconds": 3 * 86400, "iso": "P3D"}
    assert wait["next"][0]["delay"]["seconds"] == 3 * 86400


def test_policy_defaults_are_applied(tmp_path):
    path = write(tmp_path, "p.nurture", 'content a give "A"\nflow f { exit on unsubscribed\n email a }\n')
    document = json.loads(compile_path(path))
    policy = document["policy"]
    assert policy["give_to_get"] == {"gives": 3, "asks": 1}
    assert policy["cadence"]["min"]["seconds"] == 7 * 86400 and policy["cadence"]["max"]["seconds"] == 14 * 86400
    assert policy["first_touch"]["seconds"] == 48 * 3600
    assert policy["max_touches"] == 12
    assert document["flows"]["f"]["cadence"] == policy["cadence"]
    assert document["flows"]["f"]["reentry"] == {"allowed": False}


def test_imports_are_inlined_with_their_own_spans(monkeypatch):
    monkeypatch.chdir(PLAYBOOKS)
    document = json.loads(compile_path("inbound.nurture"))
    assert document["content"]["blog_post"]["span"]["file"] == "content.nurture"
    assert document["flows"]["inbound"]["span"]["file"] == "inbound.nurture"
    assert document["sources"] == ["content.nurture", "inbound.nurture", "policy.nurture", "scoring.nurture"]


def test_conditions_are_jsonlogic():
    document = json.loads(compile_path(PLAYBOOKS / "scoring.nurture"))
    assert document["segments"]["icp"]["condition"] == {
        "and": [{"==": [{"var": "industry"}, "SaaS"]}, {">=": [{"var": "employees"}, 50]}]
    }
    assert document["segments"]["technical"]["condition"] == {
        "or": [{"in": [{"var": "role"}, ["CTO", "VP Engineering"]]}, {"in": ["security-whitepaper", {"var": "tags"}]}]
    }
    fit = document["scores"]["lead"]["fit"]
    assert {"rule": fit[2]["condition"]} == {"rule": {">": [{"var": "revenue"}, 5_000_000]}}
    assert fit[3]["condition"] == {">=": [{"event_count": ["clicked", None, 90 * 86400]}, 3]}
    inbound = json.loads(compile_path(PLAYBOOKS / "inbound.nurture"))["flows"]["inbound"]
    assert inbound["exit"][-1] == {">": [{"score": ["lead"]}, 60]}
    assert inbound["entry"][0]["event"] == {"name": "downloaded", "arg": "resource"}


def test_threshold_actions_compile():
    sql = json.loads(compile_path(PLAYBOOKS / "scoring.nurture"))["scores"]["lead"]["thresholds"][1]
    assert sql["op"] == ">" and sql["value"] == 60
    assert sql["actions"][0] == {"type": "handoff", "team": "sales"}
    assert sql["actions"][1]["text"].endswith("has a score of {score}. Call now.")
