"""The Mautic target: campaigns (POST /api/campaigns/new) and Mautic 7 export files."""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..core import Bindings, Imported, Kind, Need, Report, Target

if TYPE_CHECKING:
    from ...irmodel import ProgrammeIR

_DESCRIBE: dict[str, str] = {
    "content": "the Mautic email (or text message) id",
    "segment": "the Mautic segment (leadlist) id",
    "attribute": "the Mautic contact field alias",
    "event": "a table: { segment = ID } of the segment of contacts who did it",
    "team": "the Mautic user id who owns handed-off contacts",
    "recipient": "the Mautic user id",
    "list": "the Mautic segment id used as the suppression list",
    "flow": "the Mautic segment id that feeds the campaign (its source)",
    "tag": "the Mautic tag",
}


class MauticTarget:
    name = "mautic"
    title = "Mautic"
    formats: tuple[str, ...] = ("api", "bundle")
    openapi_operation: tuple[str, str] | None = None  # Mautic publishes no OpenAPI description of its campaign API

    def describe(self, kind: Kind) -> str:
        return _DESCRIBE.get(kind, "a Mautic value")

    def binding_problem(self, kind: Kind, name: str, value: Any) -> str | None:
        if kind in ("content", "segment", "team", "recipient", "list", "flow"):
            if isinstance(value, dict):
                value = value.get("segment")
            if type(value) is not int or value < 1:
                return f"{self.describe(kind)} is a whole number above 0"
        if kind == "event" and not (isinstance(value, dict) and type(value.get("segment")) is int):
            return "an event is bound as { segment = ID }"
        if kind == "attribute" and not isinstance(value, str):
            return "a field alias is a text"
        return None

    def needs(self, ir: ProgrammeIR, flow: str) -> list[Need]:
        from .export import needs

        return needs(ir, flow)

    def export(self, ir: ProgrammeIR, flow: str, bindings: Bindings, report: Report, fmt: str) -> dict[str, Any]:
        from .export import export

        return export(ir, flow, bindings, report, fmt)

    def validate(self, doc: dict[str, Any], fmt: str) -> list[str]:
        import jsonschema  # type: ignore[import-untyped]

        from .rules import problems

        name = "bundle.json" if fmt == "bundle" else "campaign.json"
        schema = json.loads(resources.files(__package__).joinpath("schema").joinpath(name).read_text())
        validator = jsonschema.Draft202012Validator(schema)
        found = [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        if found:
            return found
        if fmt == "bundle":
            campaign = dict(doc["campaign"][0])
            campaign["events"] = doc["campaign_event"]
            return problems(campaign, "/campaign/0")
        return problems(doc)

    def import_doc(self, doc: Any, bindings: Bindings | None, report: Report) -> Imported:
        from .importer import import_doc

        return import_doc(doc, bindings, report)


TARGET: Target = MauticTarget()  # annotated: mypy checks the target keeps the protocol
