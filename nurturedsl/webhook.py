"""What a `webhook` step's texts mean: its methods and its `{placeholder}`s.

One place for the checker (a body must be JSON once its placeholders are
filled in), lint (placeholders must name attributes) and the docs.
"""

from __future__ import annotations

import re

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Methods whose request carries a body; a GET or DELETE with one is refused
# by many servers and proxies, so the checker does not allow it.
METHODS_WITH_BODY = ("POST", "PUT", "PATCH")

# `{email}`, `{company.name}`: an attribute's dotted path in braces. JSON's own
# braces never match: a JSON object's `{` is followed by `"`, `}` or space.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")

# What the checker puts in place of each placeholder before parsing a body:
# a runner substitutes the value's text, JSON-escaped, so a placeholder
# belongs inside a JSON string ("{email}"), and stays valid JSON there.
SAMPLE = "x"


def placeholders(text: str) -> list[tuple[str, int]]:
    """Each placeholder's path and its offset in `text`, in order."""
    return [(m.group(1), m.start()) for m in PLACEHOLDER.finditer(text)]


def body_problem(body: str) -> str | None:
    """Why `body` is not JSON once each placeholder holds a text, or None."""
    import json  # only a playbook with a webhook body needs it: check and lint start without

    try:
        json.loads(PLACEHOLDER.sub(SAMPLE, body))
    except json.JSONDecodeError as error:
        return error.msg[0].lower() + error.msg[1:] + f" at character {error.pos + 1}"
    return None
