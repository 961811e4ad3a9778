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
    "event": (
        "a table: { segment = ID } of the segment of contacts who did it (for branch tests), or the page, "
        'form or asset a decision waits for: { page = ID }, { url = "https://..." }, { form = ID }, { asset = ID }'
    ),
    "team": "the Mautic user id who owns handed-off contacts",
    "recipient": "a table: { user = ID, email = ID }: the Mautic user alerted and the email sent to them",
    "list": "the Mautic segment id used as the suppression list",
    "flow": (
        "the Mautic segment id that feeds the campaign (its source), or { segment = ID, campaign = ID }: "
        "a `move to` target needs its campaign id"
    ),
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
        if kind == "recipient":
            if not (isinstance(value, dict) and set(value) == {"user", "email"}):
                return "a recipient is bound as { user = ID, email = ID }"
            if any(type(v) is not int or v < 1 for v in value.values()):
                return "a recipient's user and email are whole numbers above 0"
            return None
        if kind == "flow" and isinstance(value, dict):
            if not value or not set(value) <= {"segment", "campaign"}:
                return "a flow is bound as ID (its source segment) or { segment = ID, campaign = ID }"
            if any(type(v) is not int or v < 1 for v in value.values()):
                return "a flow's segment and campaign ids are whole numbers above 0"
            return None
        if kind in ("content", "segment", "team", "list", "flow"):
            if type(value) is not int or value < 1:
                return f"{self.describe(kind)} is a whole number above 0"
        if kind == "event":
            ids = ("segment", "page", "form", "asset")
            if not isinstance(value, dict) or not value or not set(value) <= {*ids, "url"}:
                return "an event is bound as { segment = ID }, { page = ID }, { url = TEXT }, { form = ID } or { asset = ID }"
            if any(type(value[k]) is not int or value[k] < 1 for k in ids if k in value):
                return "the ids in an event's table are whole numbers above 0"
            if "url" in value and not isinstance(value["url"], str):
                return "an event's url is a text"
        if kind == "attribute" and not isinstance(value, str):
            return "a field alias is a text"
        return None

    def outside_flows(self, ir: ProgrammeIR, report: Report) -> None:
        from ..core import report_scores

        report_scores(ir, report, "MAU022", "in Mautic, as points actions and point triggers (Points in the menu)")

    def needs(self, ir: ProgrammeIR, flow: str) -> list[Need]:
        from .export import needs

        return needs(ir, flow)

    def export(self, ir: ProgrammeIR, flow: str, bindings: Bindings, report: Report, fmt: str) -> Any:
        """A campaign object (`api`) or the export file's array (`bundle`)."""
        from .export import export

        return export(ir, flow, bindings, report, fmt)

    def validate(self, doc: Any, fmt: str) -> list[str]:
        import jsonschema  # type: ignore[import-untyped]

        from .rules import problems

        name = "bundle.json" if fmt == "bundle" else "campaign.json"
        schema = json.loads(resources.files(__package__).joinpath("schema").joinpath(name).read_text())
        validator = jsonschema.Draft202012Validator(schema)
        found = [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        if found:
            return found
        if fmt == "bundle":
            from .importer import from_bundle

            return problems(from_bundle(doc[0]), "/0")
        return problems(doc)

    def import_doc(self, doc: Any, bindings: Bindings | None, report: Report) -> Imported:
        from .importer import import_doc

        return import_doc(doc, bindings, report)


TARGET: Target = MauticTarget()  # annotated: mypy checks the target keeps the protocol
