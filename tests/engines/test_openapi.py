"""`export --hubspot-spec`: an export checked against the user's copy of an
engine's OpenAPI description, read the way the engine's code generators
read it (nurturedsl/engines/openapi.py). The specs here are written for
these tests; no engine's file is copied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nurturedsl.engines import command as engine_command
from nurturedsl.engines import openapi

from .test_bindings import StandIn, _files

SPECS = Path(__file__).parent / "fixtures" / "openapi"
BOUND = 'target = "mautic"\n[content]\nblog_post = 12\ncase_study = 13\n[segments]\nicp = 3\n'


def _schema(name: str = "flows-3.0.json") -> dict[str, Any]:
    return openapi.request_schema(openapi.load(str(SPECS / name)), "post", "/flows")


def _contact_flow(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "flow": "inbound",
        "isEnabled": False,
        "emails": {"welcome": "12"},
        "actions": [
            {"type": "SINGLE_CONNECTION", "actionId": "1", "connection": {"edgeType": "STANDARD", "nextActionId": "2"}}
        ],
    }
    doc.update(changes)
    return doc


def test_a_document_that_two_overlapping_union_members_accept_is_valid():
    # valid as a ContactFlow and as a PlatformFlow: a strict `oneOf` would refuse it
    assert openapi.problems(_contact_flow(), _schema()) == []


def test_an_untyped_object_map_holds_any_value_and_nullable_admits_null():
    doc = _contact_flow(emails={"welcome": "12", "other": 13}, description=None)
    assert openapi.problems(doc, _schema()) == []
    assert openapi.problems(_contact_flow(flow=None), _schema()) != []  # `flow` is not nullable


def test_a_wrong_value_deep_in_a_union_is_located_by_the_closest_member():
    doc = _contact_flow(
        actions=[
            {"type": "SINGLE_CONNECTION", "actionId": "1", "connection": {"edgeType": "JUMP", "nextActionId": "2"}}
        ]
    )
    assert openapi.problems(doc, _schema()) == [
        "/actions/0/connection/edgeType: 'JUMP' is not one of ['GOTO', 'STANDARD']"
    ]


def test_the_member_a_value_says_it_is_gives_the_reasons():
    # as few complaints as the SINGLE_CONNECTION member (one each), but the
    # value says it is a LIST_BRANCH: that member's reason is the one to give
    doc = _contact_flow(actions=[{"type": "LIST_BRANCH", "actionId": "1"}])
    assert openapi.problems(doc, _schema()) == ["/actions/0: 'listBranches' is a required property"]


def test_an_openapi_31_yaml_file_is_read_as_json_schema_2020_12():
    schema = _schema("flows-3.1.yaml")
    assert openapi.problems({"flow": "x", "isEnabled": True, "emails": {"a": 1}, "description": None}, schema) == []
    assert openapi.problems({"flow": "x", "isEnabled": True, "emails": {"a": "1"}}, schema) == [
        "/emails/a: '1' is not of type 'integer'"
    ]


def test_files_that_are_not_a_usable_description_say_why(tmp_path):
    not_openapi = tmp_path / "swagger.json"
    not_openapi.write_text(json.dumps({"swagger": "2.0", "paths": {}}))
    with pytest.raises(openapi.SpecError, match="not an OpenAPI 3 description"):
        openapi.load(str(not_openapi))
    with pytest.raises(openapi.SpecError, match=r"no `POST /automation/v4/flows` operation"):
        openapi.request_schema(openapi.load(str(SPECS / "flows-3.0.json")), "post", "/automation/v4/flows")


def test_a_yaml_description_without_pyyaml_asks_for_json(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "yaml", None)
    with pytest.raises(openapi.SpecError, match="needs PyYAML installed, or convert it to JSON"):
        openapi.load(str(SPECS / "flows-3.1.yaml"))


def _spec(tmp_path, paths: Any, components: Any = None) -> str:
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    if components is not None:
        spec["components"] = components
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return str(path)


def test_a_request_body_given_by_reference_and_a_json_media_type_with_parameters_are_read(tmp_path):
    flow = {"type": "object", "required": ["flow"], "properties": {"flow": {"type": "string"}}}
    body = {"content": {"application/json; charset=utf-8": {"schema": {"$ref": "#/components/schemas/Flow"}}}}
    path = _spec(
        tmp_path,
        {"/flows": {"post": {"requestBody": {"$ref": "#/components/requestBodies/Flow"}}}},
        {"requestBodies": {"Flow": body}, "schemas": {"Flow": flow}},
    )
    schema = openapi.request_schema(openapi.load(path), "post", "/flows")
    assert openapi.problems({"flow": "inbound"}, schema) == []
    assert openapi.problems({}, schema) == ["/: 'flow' is a required property"]


def test_a_description_that_cannot_be_followed_is_refused_before_any_validation(tmp_path):
    dangling = _spec(
        tmp_path,
        {
            "/flows": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}}
                }
            }
        },
    )
    with pytest.raises(
        openapi.SpecError, match=r"the request body schema: `#/components/schemas/Gone` points at nothing"
    ):
        openapi.request_schema(openapi.load(dangling), "post", "/flows")
    not_an_item = _spec(tmp_path, {"/flows": ["post"]})
    with pytest.raises(openapi.SpecError, match=r"no `POST /flows` operation"):
        openapi.request_schema(openapi.load(not_an_item), "post", "/flows")
    elsewhere = _spec(tmp_path, {"/flows": {"post": {"requestBody": {"$ref": "other.json#/Body"}}}})
    with pytest.raises(openapi.SpecError, match="in another file"):
        openapi.request_schema(openapi.load(elsewhere), "post", "/flows")


class WithOperation(StandIn):
    openapi_operation = ("post", "/flows")


def _export(tmp_path, monkeypatch, target: Any, spec: str) -> tuple[int, dict[str, str]]:
    monkeypatch.setattr(engine_command, "target_named", lambda name: target)
    playbook, path = _files(tmp_path, BOUND)
    written: dict[str, str] = {}
    options = engine_command.ExportOptions(
        "mautic", playbook, path, output=str(tmp_path / "out.json"), hubspot_spec=spec
    )
    code = engine_command.run_export(options, lambda out, text, inputs: written.update({out: text}))
    return code, written


def test_an_export_the_users_spec_accepts_is_written(tmp_path, monkeypatch):
    code, written = _export(tmp_path, monkeypatch, WithOperation(), str(SPECS / "flows-3.0.json"))
    assert code == 0 and list(written) == [str(tmp_path / "out.json")]


def test_an_export_the_users_spec_refuses_is_not_written_and_each_place_is_said(tmp_path, monkeypatch, capsys):
    # the 3.1 file wants `isEnabled`, which the stand-in never writes
    code, written = _export(tmp_path, monkeypatch, WithOperation(), str(SPECS / "flows-3.1.yaml"))
    err = capsys.readouterr().err
    assert code == 1 and written == {}
    assert "flow `inbound`: /: 'isEnabled' is a required property" in err
    assert "does not match `POST /flows`" in err and "nothing written" in err


def test_a_spec_for_a_target_without_an_api_description_is_a_usage_error(tmp_path, monkeypatch, capsys):
    class NoApi(StandIn):
        openapi_operation = None

    code, written = _export(tmp_path, monkeypatch, NoApi(), str(SPECS / "flows-3.0.json"))
    assert code == 2 and written == {}
    assert "Stand-in publishes no OpenAPI description" in capsys.readouterr().err


def test_a_spec_without_the_operation_is_a_usage_error(tmp_path, monkeypatch, capsys):
    class Elsewhere(StandIn):
        openapi_operation = ("post", "/automation/v4/flows")

    code, _ = _export(tmp_path, monkeypatch, Elsewhere(), str(SPECS / "flows-3.0.json"))
    assert code == 2
    assert "has no `POST /automation/v4/flows` operation" in capsys.readouterr().err


def test_the_hubspot_export_is_checked_against_the_spec_given_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from nurturedsl.cli import main

    from ..conftest import PLAYBOOKS

    def export(spec: str, out: Path):
        args = ["export", "--target", "hubspot", str(PLAYBOOKS / "inbound.nurture"), "-o", str(out)]
        args += ["--bindings", str(SPECS.parent / "hubspot" / "bindings.toml"), "--hubspot-spec", str(SPECS / spec)]
        return CliRunner().invoke(main, args, catch_exceptions=False)

    accepted = export("automation-flows.json", tmp_path / "accepted.json")
    assert accepted.exit_code == 0, accepted.stderr
    assert json.loads((tmp_path / "accepted.json").read_text())["type"] == "CONTACT_FLOW"
    refused = export("automation-flows-revised.json", tmp_path / "refused.json")
    assert refused.exit_code == 1 and not (tmp_path / "refused.json").exists()
    assert "flow `inbound`: /: 'revisionId' is a required property" in refused.stderr
    # Mautic publishes no API description: asking to check against one is a usage error
    mautic = CliRunner().invoke(
        main,
        [
            "export",
            "--target",
            "mautic",
            str(PLAYBOOKS / "inbound.nurture"),
            "--hubspot-spec",
            str(SPECS / "flows-3.0.json"),
        ],
    )
    assert mautic.exit_code == 2 and "Mautic publishes no OpenAPI description" in mautic.stderr
