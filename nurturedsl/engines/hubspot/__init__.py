"""The HubSpot target: automation v4 contact flows (POST /automation/v4/flows).

Shapes are HubSpot's public developer documentation (docs/engines.md,
"HubSpot", lists each source): the workflows v4 guide
(developers.hubspot.com/docs/guides/api/automation/workflows-v4, "Fetch
specific workflow by ID") and the action and enrollment reference
(developers.hubspot.com/docs/api-reference/automation-automation-v4-v4/action-enrollment-reference).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..core import Bindings, Imported, Kind, Need, Report, Target

if TYPE_CHECKING:
    from ...irmodel import ProgrammeIR

_DESCRIBE: dict[str, str] = {
    "content": "the HubSpot marketing email content id",
    "segment": "the HubSpot list id (ILS list) of the segment's contacts",
    "list": "the HubSpot list id of the suppression list",
    "tag": "the HubSpot static list id that stands for the tag",
    "attribute": "the HubSpot contact property internal name",
    "event": 'the HubSpot event type id, e.g. "4-1639801" (custom) or "0-..." (built-in)',
    "team": "the HubSpot owner id who owns handed-off contacts",
    "recipient": "the HubSpot user id notified",
    "flow": "the HubSpot flow (workflow) id",
}
# An event type id: "4-1639801" in the guide's GET example (enrollmentCriteria.eventFilterBranches[0].eventTypeId)
EVENT_TYPE_ID = re.compile(r"^[0-9]+-[0-9]+$")
_NUMBERED: tuple[Kind, ...] = ("content", "segment", "list", "tag", "team", "recipient")


class HubSpotTarget:
    name = "hubspot"
    title = "HubSpot"
    formats: tuple[str, ...] = ("api",)
    openapi_operation: tuple[str, str] | None = ("post", "/automation/v4/flows")  # export --hubspot-spec

    def describe(self, kind: Kind) -> str:
        return _DESCRIBE.get(kind, "a HubSpot value")

    def binding_problem(self, kind: Kind, name: str, value: Any) -> str | None:
        if kind in _NUMBERED and (type(value) is not int or value < 1):
            return f"{self.describe(kind)} is a whole number above 0"
        if kind == "flow" and not (
            (type(value) is int and value > 0) or (isinstance(value, str) and value.isdigit() and int(value) > 0)
        ):
            return f"{self.describe(kind)} is a whole number above 0 (or its digits as a text)"
        if kind == "attribute" and not (isinstance(value, str) and value.strip()):
            return "a property internal name is a text, like `jobtitle`"
        if kind == "event" and not (isinstance(value, str) and EVENT_TYPE_ID.match(value)):
            return 'an event type id is a text like "4-1639801"'
        return None

    def outside_flows(self, ir: ProgrammeIR, report: Report) -> None:
        from ..core import report_scores

        report_scores(
            ir,
            report,
            "HS027",
            "in HubSpot's lead scoring (a score property and its criteria) and a workflow on its value",
        )

    def needs(self, ir: ProgrammeIR, flow: str) -> list[Need]:
        from .export import needs

        return needs(ir, flow)

    def export(self, ir: ProgrammeIR, flow: str, bindings: Bindings, report: Report, fmt: str) -> dict[str, Any]:
        from .export import export

        return export(ir, flow, bindings, report)

    def validate(self, doc: dict[str, Any], fmt: str) -> list[str]:
        import jsonschema  # type: ignore[import-untyped]

        from .rules import graph_problems

        schema = json.loads(resources.files(__package__).joinpath("schema").joinpath("flow.json").read_text())
        validator = jsonschema.Draft202012Validator(schema)
        found = [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        return found or graph_problems(doc)

    def import_doc(self, doc: Any, bindings: Bindings | None, report: Report) -> Imported:
        from .importer import import_doc

        return import_doc(doc, bindings, report)


TARGET: Target = HubSpotTarget()  # annotated: mypy checks the target keeps the protocol
