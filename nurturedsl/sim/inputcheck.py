"""What the contacts read mean for the programme: warnings a user needs
before trusting a replay's numbers.

- A column read as a custom attribute that no condition of the programme
  reads is unused: it changes nothing, and is usually a built-in attribute
  under a CRM's name (`Job Title` for `title`). Such columns are listed in
  a summary, and a column whose name is close to a built-in or declared
  attribute gets the mapping to use.
- A score threshold none of whose fit rules' attributes any contact has can
  only be reached by behaviour: a `lead.mql 0` then says more about the
  input than about the programme, so the report says so.

Imported by `simulate` only (replay), never by lint or check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# CRM column names (letters and digits only, lower case) of the built-in
# attributes, from HubSpot's and Salesforce's default export headers.
SYNONYMS: dict[str, str] = {
    "recordid": "id",
    "contactid": "id",
    "leadid": "id",
    "emailaddress": "email",
    "jobtitle": "title",
    "companyname": "company",
    "accountname": "company",
    "numberofemployees": "employees",
    "noofemployees": "employees",
    "employeecount": "employees",
    "annualrevenue": "revenue",
    "phonenumber": "phone",
    "countryregion": "country",
    "mailingcountry": "country",
    "createdate": "created_at",
    "createddate": "created_at",
    "originalsource": "source",
    "leadsource": "source",
    "dealstage": "deal.stage",
    "closedate": "deal.closed_at",
    "amount": "deal.amount",
}


def _squash(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def attributes_read(ir: Any) -> set[str]:
    """Every attribute a condition of the IR reads (`{"var": name}`)."""
    found: set[str] = set()
    stack: list[Any] = [ir]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            var = item.get("var")
            if isinstance(var, list) and var:
                var = var[0]
            if isinstance(var, str) and len(item) == 1:
                found.add(var)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def suggestion(source: str, known: Iterable[str], taken: set[str]) -> str | None:
    """The attribute a column called `source` most likely holds, unless some
    column already gives it: a known CRM name, or a name that begins or ends
    with the attribute's (`Annual Revenue`, `Company Name`)."""
    squashed = _squash(source)
    candidates = {_squash(name): name for name in known if name not in taken}
    guess = SYNONYMS.get(squashed)
    if guess is not None:
        return guess if guess not in taken else None
    for short, name in sorted(candidates.items(), key=lambda item: -len(item[0])):
        if len(short) >= 5 and (squashed.endswith(short) or squashed.startswith(short)):
            return name
    return None


def _read_by(name: str, read: set[str]) -> bool:
    return name in read or any(r.startswith(name + ".") or name.startswith(r + ".") for r in read)


def _names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def contacts_summary(path: str, ir: dict[str, Any], read: dict[str, Any], count: int) -> list[str]:
    """stderr lines about what was read from `path`: a warning per custom
    column that looks like a known attribute, and one summary line. Empty
    when there is nothing to warn about."""
    types = dict(ir.get("attributes") or {})
    known = set(types) | {"tags", "consent"}
    columns: dict[str, str] = read.get("columns") or {}
    taken = {name for name in columns.values() if name in known}
    used = attributes_read(ir)
    lines: list[str] = []
    unused: list[str] = []
    for source, name in columns.items():
        if name in known or name == "id" or name.startswith("event.unsubscribed"):
            continue
        if not _read_by(name, used):
            unused.append(source if source == name else f"{source} ({name})")
        guess = suggestion(source, known, taken)
        if guess is not None:
            as_what = "its own name" if source == name else f"`{name}`"
            lines.append(
                f"{path}:1: warning: column `{source}` is read as a custom attribute under {as_what}, "
                f"not as `{guess}`; map it with --map '{source}={guess}' (or --map '{source}=' to ignore it)"
            )
    failed: dict[str, list[int]] = read.get("failed") or {}
    parts = []
    if unused:
        parts.append(
            f"{len(unused)} column{'s' if len(unused) != 1 else ''} unused (no condition reads them): {_names(unused)}"
        )
    for label, (rows, first) in failed.items():
        parts.append(f"{rows:,} row{'s' if rows != 1 else ''} with an unparseable {label}, first at line {first}")
    if parts:
        lines.append(f"{path}: read {count:,} contact{'s' if count != 1 else ''}; " + "; ".join(parts))
    return lines


def _fit_attributes(condition: Any) -> list[str]:
    return sorted(attributes_read(condition))


def threshold_warnings(ir: dict[str, Any], contacts: list[Any]) -> list[str]:
    """Report notes: per score threshold, the attributes its score's fit
    rules read, when no contact has any of them."""
    notes = []
    for score, definition in sorted((ir.get("scores") or {}).items()):
        names = sorted({n for rule in definition.get("fit") or () for n in _fit_attributes(rule.get("condition"))})
        if not names or not definition.get("thresholds"):
            continue
        if any(_has(contact.data, name) for contact in contacts for name in names):
            continue
        behaviour = " (only its rules on events can add points)" if definition.get("behaviour") else ""
        for threshold in definition["thresholds"]:
            notes.append(
                f"Warning: {score}.{threshold['name']}: no contact has {_or(names)}, "
                f"the attributes the fit rules of `{score}` read{behaviour}"
            )
    return notes


def _or(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _has(data: dict[str, Any], name: str) -> bool:
    value: Any = data
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return value is not None and value != [] and value != ""
