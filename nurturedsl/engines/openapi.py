"""Validating an export against an engine's OpenAPI description that the
user has (HubSpot's may not be copied into this repository, so `export
--hubspot-spec PATH` reads the user's copy).

An OpenAPI 3.0 schema object is JSON Schema with a few differences, and the
published specs lean on readings their generators intend rather than on the
letter. Each reading taken here is one a code generator for the spec takes:

- `oneOf` is read as `anyOf`. The specs list a union's members with
  `oneOf`, but members overlap (HubSpot's contact flow create request is
  also a valid platform flow request, since the latter requires a subset of
  the same fields), so `oneOf` read as "exactly one" would refuse every
  document.
- A schema that is only `{"type": "object", "properties": {}}` is any
  value: it is how a generator writes an untyped `Object` (HubSpot's
  action `fields` are such a map, and hold strings in every documented
  example).
- `nullable: true` (3.0) also admits null; siblings of `$ref` are ignored
  (3.0 says they are), which Draft 7's reading of `$ref` does too.
- 3.1 documents are JSON Schema 2020-12 already and are read as such.
"""

from __future__ import annotations

import json
from typing import Any


class SpecError(ValueError):
    """A file that is not an OpenAPI description with the operation; the message says why."""


def load(path: str) -> dict[str, Any]:
    """The OpenAPI document at `path` (JSON; YAML when PyYAML is installed)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: cannot read the OpenAPI file: {error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        document = _yaml(text, path, error)
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise SpecError(f"{path}: not an OpenAPI 3 description (no `openapi: 3.x` at the top)")
    return document


def _yaml(text: str, path: str, json_error: json.JSONDecodeError) -> Any:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise SpecError(
            f"{path}:{json_error.lineno}:{json_error.colno}: not JSON ({json_error.msg}); "
            "a YAML description needs PyYAML installed, or convert it to JSON"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpecError(f"{path}: neither JSON nor YAML: {error}") from None


def request_schema(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """A JSON Schema (with the spec's components beside it, for `$ref`) of the
    JSON request body of `method path`."""
    where = f"`{method.upper()} {path}`"
    paths = spec.get("paths")
    item = paths.get(path) if isinstance(paths, dict) else None
    operation = item.get(method) if isinstance(item, dict) else None
    if not isinstance(operation, dict):
        raise SpecError(f"the OpenAPI file has no {where} operation")
    body = _resolved(spec, operation.get("requestBody"), f"{where} requestBody")
    content = body.get("content") if isinstance(body, dict) else None
    schema = None
    if isinstance(content, dict):
        for media, described in content.items():
            # `application/json`, with parameters (`; charset=utf-8`) or as a `+json` suffix
            kind = str(media).split(";", 1)[0].strip().lower()
            if (kind == "application/json" or kind.endswith("+json")) and isinstance(described, dict):
                schema = described.get("schema")
                break
    if not isinstance(schema, dict):
        raise SpecError(f"{where} in the OpenAPI file has no application/json request body schema")
    version_31 = str(spec["openapi"]).startswith("3.1")
    dialect = (
        "https://json-schema.org/draft/2020-12/schema" if version_31 else "http://json-schema.org/draft-07/schema#"
    )
    root = {
        "$schema": dialect,
        "allOf": [_converted(schema, version_31)],
        "components": _converted(spec.get("components") or {}, version_31),
    }
    _check_references(root, root, "")
    return root


def _resolved(spec: dict[str, Any], node: Any, what: str) -> Any:
    """`node`, or what its local `$ref` points at (a request body may be a
    reference to `components/requestBodies`)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise SpecError(f"{what}: the reference `{ref}` points back at itself")
        seen.add(ref)
        node = _pointed(spec, ref, what)
    return node


def _pointed(root: Any, ref: str, what: str) -> Any:
    if not ref.startswith("#"):
        raise SpecError(f"{what}: `{ref}` is in another file; give one self-contained description")
    node = root
    for part in [p.replace("~1", "/").replace("~0", "~") for p in ref[1:].split("/") if p]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SpecError(f"{what}: `{ref}` points at nothing in the OpenAPI file")
    return node


def _check_references(node: Any, root: dict[str, Any], at: str) -> None:
    """Every `$ref` of the schema resolves, so validating cannot fail half way."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            shown = at.replace("/allOf/0", "the request body schema", 1) if at.startswith("/allOf/0") else f"#{at}"
            _pointed(root, ref, shown)
        for key, value in node.items():
            _check_references(value, root, f"{at}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_references(value, root, f"{at}/{i}")


def _converted(node: Any, version_31: bool) -> Any:
    if isinstance(node, list):
        return [_converted(item, version_31) for item in node]
    if not isinstance(node, dict):
        return node
    if version_31:
        return {key: _converted(value, version_31) for key, value in node.items()}
    if node.get("type") == "object" and node.get("properties") == {} and not _constraints(node):
        return {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        out["anyOf" if key == "oneOf" else key] = _converted(value, version_31)
    if out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


_ANNOTATIONS = {"type", "properties", "example", "description", "title", "default", "format"}


def _constraints(node: dict[str, Any]) -> bool:
    return any(key not in _ANNOTATIONS and not key.startswith("x-") for key in node)


def problems(doc: Any, schema: dict[str, Any]) -> list[str]:
    """Every place `doc` breaks `schema`, as "POINTER: message". Where every
    member of a union refuses a value, the reasons are those of the member
    that comes closest (fewest problems; the first on a tie)."""
    import jsonschema  # type: ignore[import-untyped]

    validator = jsonschema.validators.validator_for(schema)(schema)
    found = []
    for error in validator.iter_errors(doc):
        for reason in _reasons(error):
            where = "/" + "/".join(str(part) for part in reason.absolute_path)
            found.append(f"{where}: {reason.message}")
    return sorted(set(found))


def _reasons(error: Any) -> list[Any]:
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    members: dict[int, list[Any]] = {}
    for sub in error.context:
        members.setdefault(sub.schema_path[0], []).append(sub)
    depth = len(error.absolute_path)

    def distance(subs: list[Any]) -> tuple[int, int]:
        # a member whose own `type`-like field refuses the value's (an enum
        # or const on a direct property: the union's discriminator) is the
        # wrong member, however few its other complaints
        wrong_kind = sum(
            1 for sub in subs if sub.validator in ("enum", "const") and len(sub.absolute_path) == depth + 1
        )
        return wrong_kind, sum(len(_reasons(sub)) for sub in subs)

    closest = min(members.values(), key=distance)
    return [reason for sub in closest for reason in _reasons(sub)]
