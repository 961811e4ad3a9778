"""Reading contacts and events files for the simulator.

Contacts
    A CSV file with a header line (`.csv`; `.tsv` for tab-separated) or JSON
    Lines, one object per line (`.jsonl`, `.ndjson`, or `.json` when every
    line is an object). Any other extension is sniffed: a file whose first
    line starts with `{` is JSON Lines, anything else CSV. Files are UTF-8;
    a byte-order mark (Excel's "CSV UTF-8") and CRLF line endings are fine.
    A file must be a regular file of at most MAX_ROWS_FILE_BYTES (a FIFO or
    a device is refused before it is opened). A JSON line deeper than
    MAX_JSON_DEPTH, or with a string that is not text (an unpaired
    surrogate escape, `\\ud800`), is a bad row; so is a number a 64-bit
    float cannot hold (NaN, Infinity, 1e400, 5,000 digits).

    `id` is required, non-empty and unique. `timezone` must be an IANA name
    (it goes to `Contact.timezone` and stays in the data); `consent` and
    `tags` are lists, written `email;sms` in CSV (a JSON list or the same
    string in JSON Lines); consent channels are matched case-insensitively
    against the language's channels. Every other column is an attribute:
    dotted names nest (`deal.stage` is data["deal"]["stage"]), nested JSON
    objects are the same as dotted keys, and empty cells, empty strings and
    `null` mean "absent". Whitespace around cells and column names is
    dropped. When only `first_name`/`last_name` are given, `name` is set to
    "first last", since messages such as `notify` address people by `name`.

Typing
    A column the IR's `attributes` declares is converted to its type, and a
    value that does not fit makes the row bad:

    - string: kept as written, even if it looks like a number (phone
      numbers, zip codes); a JSON integer is turned into its digits.
    - number: `1200`, `-3.5`, `1,200` (commas only in groups of three),
      and the language's suffixes `2.5k` and `5M`, plus `B` for billions;
      an int when whole, else a float. No currency signs, exponents or
      decimal commas (`1,5` is refused rather than guessed).
    - date: `YYYY-MM-DD`; an ISO 8601 date-time (`2026-01-05T10:00:00Z`,
      `2026-01-05 10:00`, as CRMs export) is cut to the date as written,
      without converting its zone.
    - bool: true/false, yes/no, 1/0, in any case.
    - duration: an elapsed time such as `deal.closed_ago` (a name ending in
      `_ago`) is computed by the engine from the matching `_at` date, so
      such a column is refused, naming the date to give instead. Any other
      duration attribute takes seconds (`3600`) or the language's `90m`,
      `12h`, `3d`, `2w`.

    A column the IR does not declare is a custom attribute: plain decimal
    numbers without leading zeros (`42`, `-1.5`) become numbers; everything
    else, ISO dates included, stays the text as written (so `01234` stays a
    string). JSON values keep their JSON types.

Column mapping (`--map`)
    A mapping renames columns (or, in JSON Lines, keys after flattening
    nested objects) before anything else, e.g. {"Record ID": "id"}. Each
    `--map` value is `FROM=TO` or a TOML file holding `"FROM" = "TO"` pairs
    under a `[map]` table, or at the top level when the file has no `[map]`
    table. An empty TO (`Notes=`) drops the column. A mapping entry that
    matches no column is an error with a did-you-mean (a misspelt entry
    would otherwise do nothing, silently), and so is a column that looks
    like a built-in attribute spelt differently (`Email`, `First Name`),
    which would otherwise be a custom attribute nobody reads.

    A map file's `[values.NAME]` tables (NAME a column or its attribute)
    turn a CRM's labels into values, matched case-insensitively, before
    typing; `""` makes the value absent. `event.unsubscribed` (true/false)
    and `event.unsubscribed_at` (a date) are not attributes: a true flag
    becomes an `unsubscribed` event, whose time the caller sets (see
    command.py). `hubspot` and `salesforce` name built-in maps (presets/),
    whose entries are optional and which later entries override.

Events
    JSON Lines, `{"contact": "c1", "at": "2026-01-05T10:00:00Z", "event":
    "visited", "args": ["pricing"]}` (`args`: zero or one strings; `"arg":
    "pricing"` also works), or CSV with the columns `contact,at,event` and
    optionally `args` (or `arg`; at most one argument). `at` is ISO 8601 with
    a zone (`Z` or an offset), within the simulated time (contact.EARLIEST
    to LATEST). Events come back grouped by contact id, each list in time
    order (file order for equal times); contacts without events have no
    entry.

Bad rows
    Problems with a value make the row bad; problems with the file (not
    UTF-8, no `id` column, a mapping entry that matches nothing) raise
    `InputError` at once. By default every bad row of the file is collected
    and raised together in one `InputError`; with `skip_bad_rows=True` they
    are skipped and returned as `BadRow`s so the report can say which.
    Line numbers are physical lines: the CSV header is line 1, and blank
    lines count but are otherwise ignored.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from operator import attrgetter, itemgetter
from typing import Any

from ..diagnostics import did_you_mean
from ..gcpause import gc_paused
from ..vocabulary import CONSENT_CHANNELS
from .contact import EARLIEST, LATEST, Contact, Event, time_problem

__all__ = ["InputError", "BadRow", "parse_mapping", "load_contacts", "load_events", "parse_timestamp"]

SHOWN_BAD_ROWS = 20  # bad rows spelt out in an InputError; the rest are counted
HINT_CONTACTS = 10_000  # no did-you-mean for unknown contact ids above this many contacts
# A contacts or events file is read whole, and its text held while it is
# read, so a path naming a disk image or a log by mistake must fail at once
# rather than exhaust memory; 2 GiB is some 8 million CRM rows.
MAX_ROWS_FILE_BYTES = 2 << 30
MAX_MAP_FILE_BYTES = 1 << 20  # a --map TOML file: a few hundred column names
# Nested objects become dotted attributes and lists hold plain values, so a
# real contact or event is a few levels deep; deeper is refused before
# anything recurses into it.
MAX_JSON_DEPTH = 64
# Numbers are what JsonLogic runners (JavaScript) hold: 64-bit floats.
MAX_NUMBER = 1.7976931348623157e308


class InputError(Exception):
    """A contacts, events or mapping file cannot be used. `str(error)` is the
    whole message, one `path:line: message` per problem, ready to print;
    `bad_rows` holds every bad row when that is why, so a caller can count
    them or suggest skipping them."""

    def __init__(self, message: str, bad_rows: Iterable[BadRow] = ()):
        super().__init__(message)
        self.bad_rows = list(bad_rows)


@dataclass
class BadRow:
    """A row that could not be read: where it is and why, so a report can
    list what was skipped instead of dropping it silently."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{printable(self.path)}:{self.line}: {printable(self.message)}"  # one line, whatever a key holds


class _Bad(Exception):
    """One value of a row does not fit; the row is bad."""


# ---------------------------------------------------------------------------
# Values

_NUMBER = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)([kKMB]?)")
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
_SUFFIXES = {"k": 1000, "K": 1000, "M": 1_000_000, "B": 1_000_000_000}
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r" ?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?"
)
_DURATION = re.compile(r"(\d+)([mhdw]?)")
_DURATION_UNITS = {"": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_NAME_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_FIRST_CHARACTER = re.compile(r"\s*(\S)")


def _show(value: Any) -> str:
    """A value quoted for a message, cut when long, and on one line."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"`{printable(text)}`"


def printable(text: str) -> str:
    """`text` with line breaks and other control characters escaped (`\\n`),
    so that a message about it stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "text"


def _too_large(text: str) -> _Bad:
    return _Bad(f"{_show(text)} is too large a number (numbers are 64-bit floats, below 1.8e308)")


def _whole(digits: str) -> int:
    """int() of digits known to be below MAX_NUMBER: leading zeros, which
    count towards Python's 4,300-digit limit on int(), dropped first."""
    sign = digits[0] if digits[0] in "+-" else ""
    return int(sign + (digits[len(sign) :].lstrip("0") or "0"))


def _unfit(value) -> _Bad:
    if isinstance(value, float):  # NaN, Infinity, or a literal such as 1e400 that json made infinite
        return _Bad(f"{_show(value)} is not a finite number (numbers are 64-bit floats, below 1.8e308)")
    return _too_large(str(value))


def _fits(value) -> bool:
    """A JSON number a 64-bit float holds: finite (json reads NaN, Infinity
    and 1e400 as floats) and no larger (json reads ints of any size)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return -MAX_NUMBER <= value <= MAX_NUMBER


def _number(text: str):
    match = _NUMBER.fullmatch(text)
    if not match:
        raise _Bad(f"{_show(text)} is not a number (write e.g. 1200, 1,200, 2.5k or 5M)")
    digits, suffix = match.groups()
    digits = digits.replace(",", "")
    if not math.isfinite(float(digits) * (_SUFFIXES[suffix] if suffix else 1)):
        raise _too_large(text)
    if suffix:
        value = Decimal(digits) * _SUFFIXES[suffix]
        return int(value) if value == value.to_integral_value() else float(value)
    if "." not in digits:
        return _whole(digits)
    value = float(digits)
    return int(value) if value.is_integer() else value


def _json_number(value: Any):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"expected a number, got {_json_kind(value)} {_show(value)}")
    if not _fits(value):
        raise _unfit(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return value


def _date(text: str) -> str:
    match = _DATE.fullmatch(text)
    if match:
        try:
            date(int(match[1]), int(match[2]), int(match[3]))
            return text[:10]
        except ValueError as error:
            raise _Bad(f"{_show(text)} is not a date: {error}") from None
    raise _Bad(f"{_show(text)} is not a date (write YYYY-MM-DD)")


def _bool(text: str) -> bool:
    value = _BOOLS.get(text.lower())
    if value is None:
        raise _Bad(f"{_show(text)} is not true or false (write true/false, yes/no or 1/0)")
    return value


def _json_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    raise _Bad(f"expected true or false, got {_json_kind(value)} {_show(value)}")


def _duration(text: str) -> int:
    match = _DURATION.fullmatch(text)
    if not match:
        raise _Bad(f"{_show(text)} is not a duration (write seconds, or e.g. 90m, 12h, 3d, 2w)")
    if not math.isfinite(float(match[1]) * _DURATION_UNITS[match[2]]):
        raise _too_large(text)
    return _whole(match[1]) * _DURATION_UNITS[match[2]]


def _json_duration(value: Any) -> int:
    if type(value) is int and value >= 0:
        if not _fits(value):
            raise _unfit(value)
        return value
    raise _Bad(f"expected a duration in seconds, got {_json_kind(value)} {_show(value)}")


def _guess(text: str):
    """A custom attribute's text: a plain number becomes a number."""
    if _PLAIN_NUMBER.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            raise _too_large(text)
        if "." not in text:
            return int(text)  # no leading zeros, and finite: at most 309 digits
        return int(value) if value.is_integer() else value
    return text


def _text_list(value: Any) -> list[str]:
    """`a;b` or ["a", "b"] as a list of distinct, non-empty strings."""
    if isinstance(value, str):
        items = value.split(";")
    elif isinstance(value, list):
        items = []
        for item in value:
            if not isinstance(item, str):
                raise _Bad(f"expected a list of text, but it holds {_json_kind(item)} {_show(item)}")
            items.append(item)
    else:
        raise _Bad(f"expected a list or `a;b` text, got {_json_kind(value)} {_show(value)}")
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item:
            seen.setdefault(item)
    return list(seen)


def _tags(value: Any) -> list[str]:
    return _text_list(value)


def _consent(value: Any) -> list[str]:
    channels = []
    for item in _text_list(value):
        channel = item.lower()
        if channel not in CONSENT_CHANNELS:
            known = ", ".join(CONSENT_CHANNELS)
            if "," in item:
                raise _Bad(f"{_show(item)}: separate channels with `;`, not `,`")
            hint = "".join(f" {h}" for h in did_you_mean(channel, CONSENT_CHANNELS))
            raise _Bad(f"unknown channel {_show(item)};{hint} channels are {known}")
        if channel not in channels:
            channels.append(channel)
    return channels


@cache
def _zone_known(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False


@lru_cache(maxsize=1)
def _all_zones() -> frozenset:
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


def _zone(text: str) -> str:
    if _zone_known(text):
        return text
    zones = _all_zones()
    if not zones:
        raise InputError("no time zone database found; install it with `pip install tzdata`")
    hint = "".join(f"; {h}" for h in did_you_mean(text, zones))
    raise _Bad(f"unknown time zone {_show(text)}{hint or ' (write an IANA name such as Europe/Berlin)'}")


def parse_timestamp(text: str) -> float:
    """An ISO 8601 date and time with a zone (`2026-01-05T10:00:00Z`,
    `2026-01-05T11:00:00+01:00`) as UTC seconds since the epoch.

    The zone is required: a zoneless time would be read in some machine's
    zone and shift every event. Raises ValueError with a message for users.
    """
    text = text.strip()
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        raise ValueError(f"{_show(text)} is not an ISO 8601 timestamp (write e.g. 2026-01-05T10:00:00Z)")
    year, month, day, hour, minute, second, fraction, utc, sign, off_h, off_m = match.groups()
    if hour is None:
        raise ValueError(f"timestamp {_show(text)} has no time of day (write e.g. {text}T10:00:00Z)")
    if utc is None and sign is None:
        raise ValueError(f"timestamp {_show(text)} has no time zone: add Z for UTC or an offset such as +01:00")
    try:
        days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_DAY
    except ValueError as error:
        raise ValueError(f"{_show(text)} is not a valid timestamp: {error}") from None
    hour, minute, second = int(hour), int(minute), int(second or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{_show(text)} is not a valid timestamp: no such time of day")
    seconds = float(days * 86400 + hour * 3600 + minute * 60 + second)
    if fraction:
        seconds += float("0." + fraction)
    if sign:
        if int(off_h) > 23 or int(off_m or 0) > 59:
            raise ValueError(f"{_show(text)} has an impossible UTC offset")
        offset = int(off_h) * 3600 + int(off_m or 0) * 60
        seconds += -offset if sign == "+" else offset
    if not EARLIEST <= seconds <= LATEST:
        raise ValueError(f"{_show(text)} {time_problem(seconds)}")
    return seconds


# ---------------------------------------------------------------------------
# Mapping


def _load_toml(path: str) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise InputError(f"--map: {path}: reading TOML needs Python 3.11 or the `tomli` package") from None
    from ..files import UnreadableInput, read_input

    try:
        return tomllib.loads(read_input(path, MAX_MAP_FILE_BYTES, "--map file").decode("utf-8"))
    except UnreadableInput as error:
        raise InputError(f"--map: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"--map: {path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise InputError(f"--map: {path}: not UTF-8; save it as UTF-8") from None
    except ValueError:  # tomllib's int() of a number of more than 4,300 digits
        raise InputError(f"--map: {path}: not valid TOML: a number of more than 4,300 digits") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise InputError(f'--map: {path}: nested too deeply; a map is "FROM" = "TO" pairs') from None


def _flatten_toml(table: dict, prefix: str, where: str, out: list) -> None:
    for key, value in table.items():
        name = prefix + key
        if isinstance(value, dict):  # `deal.stage = "..."` without quotes is a nested table
            _flatten_toml(value, name + ".", where, out)
        elif isinstance(value, str):
            out.append((name, value, f"{where}: `{name}`"))
        else:
            raise InputError(f"--map: {where}: `{name}` should be the name of an attribute in quotes, not {value!r}")


def parse_mapping(values: list[str]) -> dict[str, str]:
    """Turn `--map` values into one {column: attribute} dict.

    Each value is `FROM=TO` (split at the last `=`, since attribute names
    never hold one) or a TOML file of `"FROM" = "TO"` pairs, under `[map]`
    or at the top level. An empty TO drops the column. A column mapped to
    two names, two columns mapped to one name, or a TO that is not an
    attribute name raises InputError: each would quietly lose data.
    """
    pairs: list[tuple[str, str, str, bool]] = []  # (from, to, where it was given, from a preset)
    value_maps: list[tuple[str, dict[str, str], str, bool]] = []  # (column or attribute, {from: to}, where, preset)
    for value in values:
        if value in PRESETS and not os.path.exists(value):
            preset: list[tuple[str, str, str]] = []
            document = _load_preset(value)
            _flatten_toml(document["map"], "", f"--map {value}", preset)
            pairs.extend((*pair, True) for pair in preset)
            value_maps.extend((*item, True) for item in _value_maps(document, f"--map {value}"))
            continue
        if os.path.isfile(value) or value.lower().endswith(".toml") and "=" not in value:
            if not os.path.exists(value):
                raise InputError(f"--map: {value}: no such file")
            document = _load_toml(value)
            if "map" in document:
                table = document["map"]
                others = sorted(k for k in document if k not in ("map", "values"))
                if not isinstance(table, dict):
                    raise InputError(f"--map: {value}: `map` should be a table: [map]")
                if others:
                    raise InputError(
                        f"--map: {value}: unexpected {', '.join(f'`{k}`' for k in others)} outside [map]; "
                        'put every FROM = "TO" pair under [map]'
                    )
                value_maps.extend((*item, False) for item in _value_maps(document, value))
            else:
                table = document
            found: list[tuple[str, str, str]] = []
            _flatten_toml(table, "", value, found)
            pairs.extend((*pair, False) for pair in found)
            continue
        if "=" not in value:
            raise InputError(
                f"--map: {_show(value)} is neither FROM=TO nor a TOML file (write e.g. --map 'Record ID=id')"
            )
        source, target = value.rsplit("=", 1)
        pairs.append((source, target, f"{_show(value)}", False))

    mapping = Mapping()
    given: dict[str, str] = {}
    targets: dict[str, str] = {}
    for source, target, where, optional in pairs:
        source, target = source.strip(), target.strip()
        if not source:
            raise InputError(f"--map: {where}: no column name before `=`")
        if target and not _NAME_PATH.fullmatch(target):
            raise InputError(
                f"--map: {where}: {_show(target)} is not an attribute name "
                "(letters, digits and _, parts joined by dots)"
            )
        if source in mapping and source in mapping.optional and not optional:
            del mapping[source]  # an entry given after a preset overrides it
            mapping.optional.discard(source)
        if source in mapping and mapping[source] != target:
            raise InputError(
                f"--map: `{source}` is mapped twice: to `{mapping[source]}` ({given[source]}) "
                f"and to `{target}` ({where})"
            )
        clash = targets.get(target)
        if target and clash is not None and clash != source and clash in mapping:
            # a preset names each attribute's column in every kind of export
            # (`Contact ID`, `Lead ID`): only one of them is in a given file
            if not (optional or clash in mapping.optional):
                raise InputError(f"--map: both `{clash}` and `{source}` are mapped to `{target}`")
        mapping[source] = target
        if optional:
            mapping.optional.add(source)
        given[source] = where
        if target:
            targets[target] = source
    for name, table, where, optional in value_maps:
        if name in mapping.value_maps and not optional:
            mapping.values_optional.discard(name)  # a value map given after a preset's replaces it
        elif name in mapping.value_maps:
            if name not in mapping.values_optional:
                continue  # the user's value map wins over a preset's given later
        else:
            mapping.values_where[name] = where
        mapping.value_maps[name] = table
        if optional:
            mapping.values_optional.add(name)
    return mapping


def _value_maps(document: dict[str, Any], where: str) -> list[tuple[str, dict[str, str], str]]:
    """The `[values.NAME]` tables of a map file: NAME (a column or an
    attribute, dotted names nest in TOML) with its {value as written: value
    to read}, matched case-insensitively."""
    tables = document.get("values", {})
    if not isinstance(tables, dict):
        raise InputError(f"--map: {where}: `values` should hold tables: [values.industry]")
    found: list[tuple[str, dict[str, str], str]] = []

    def walk(table: dict[str, Any], prefix: str) -> None:
        for key, item in table.items():
            name = prefix + key
            if isinstance(item, dict) and item and all(isinstance(v, dict) for v in item.values()):
                walk(item, name + ".")
            elif isinstance(item, dict):
                pairs = {}
                for given, read in item.items():
                    if not isinstance(read, str):
                        raise InputError(
                            f"--map: {where}: [values.{name}]: `{given}` should map to a value in quotes, "
                            f'not {read!r} ("" makes it absent)'
                        )
                    pairs[given.strip().casefold()] = read.strip()
                found.append((name, pairs, f"{where}: [values.{name}]"))
            else:
                raise InputError(f'--map: {where}: `values.{name}` should be a table: [values.{name}] "FROM" = "TO"')

    walk(tables, "")
    return found


PRESETS = ("hubspot", "salesforce")


class Mapping(dict[str, str]):
    """{column: attribute}, and which entries come from a preset (`--map
    hubspot`): those are optional, since an export holds only some of the
    preset's columns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optional: set[str] = set()
        # value maps: {column or attribute: {value (casefolded): value to read}}
        self.value_maps: dict[str, dict[str, str]] = {}
        self.values_where: dict[str, str] = {}
        self.values_optional: set[str] = set()


def _load_preset(name: str) -> dict[str, Any]:
    from importlib.resources import files

    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads(files(__package__).joinpath("presets", f"{name}.toml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Files


UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")  # byte-order marks of UTF-16, little and big endian


def utf16_message(path: str) -> str:
    return f"{path}: is UTF-16; save it as UTF-8 (in Excel: CSV UTF-8)"


def unreadable(path: str, error: Exception) -> InputError:
    """The input error for a path files.py refused to read (whole or
    streamed): what is missing or wrong, in the user's terms."""
    if not os.path.lexists(path):
        return InputError(f"{path}: no such file")
    if os.path.isdir(path):
        return InputError(f"{path}: is a folder, not a file")
    return InputError(str(error))


def _read_text(path: str, what: str) -> str:
    from ..files import UnreadableInput, read_input

    try:
        # never open() a FIFO (it blocks) or read a device (it never ends)
        data = read_input(path, MAX_ROWS_FILE_BYTES, what)
    except UnreadableInput as error:
        raise unreadable(path, error) from None
    if data.startswith(UTF16_MARKS):
        raise InputError(utf16_message(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"{path}:{line}: not UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8") from None


def _format(path: str, text: str) -> str:
    """ "csv", "tsv" or "jsonl", by extension, else by the first line."""
    extension = os.path.splitext(path)[1].lower()
    if extension in (".xlsx", ".xls", ".xlsm", ".ods", ".numbers"):
        raise InputError(f"{path}: is a spreadsheet; export it as CSV (UTF-8) first")
    match = _FIRST_CHARACTER.match(text)
    first = match[1] if match else ""
    if extension in (".jsonl", ".ndjson", ".json"):
        if first.startswith("["):
            raise InputError(f"{path}: holds a JSON array; write one JSON object per line (JSON Lines)")
        return "jsonl"
    if extension == ".csv":
        return "csv"
    if extension == ".tsv":
        return "tsv"
    return "jsonl" if first.startswith("{") else "csv"


def _csv_records(path: str, text: str | Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str], int]]:
    """(first line, cells, last line) per non-blank record, from the whole
    text or its lines (as `open(newline="")` splits them, streams.py)."""
    lines = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    previous = 0
    try:
        for row in reader:
            start = previous + 1
            previous = reader.line_num
            if not row or len(row) == 1 and not row[0].strip():
                continue
            yield start, row, previous
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise InputError(f'{path}:{previous + 1}: a quoted cell is never closed (a stray `"`?)') from None
        raise InputError(f"{path}:{reader.line_num}: not valid CSV: {error}") from None


def _json_lines(text: str | Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number, line) per non-blank line of the whole text or of its
    lines split at `\\n` (streams.py)."""
    for number, line in enumerate(text.split("\n") if isinstance(text, str) else text, 1):
        line = line.strip()
        if line:
            yield number, line


_NESTED_TOO_DEEPLY = f"nested too deeply (more than {MAX_JSON_DEPTH} levels of {{ }} and [ ])"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _parse_json_object(line: str) -> dict:
    try:
        value = json.loads(line)
    except RecursionError:
        raise _Bad(_NESTED_TOO_DEEPLY) from None
    except ValueError as error:
        message = getattr(error, "msg", str(error))
        if "integer string conversion" in message:  # Python's limit on int(): 4,300 digits
            message = "a number with more than 4,300 digits (numbers are 64-bit floats, below 1.8e308)"
        column = getattr(error, "colno", None)
        raise _Bad(f"not valid JSON: {message}" + (f" (column {column})" if column else "")) from None
    if not isinstance(value, dict):
        raise _Bad(f"expected a JSON object {{...}}, got {_json_kind(value)}")
    # Cheap tests of the text first: most lines can be neither.
    deep = line.count("{") + line.count("[") > MAX_JSON_DEPTH
    if deep or "\\u" in line and _SURROGATE_ESCAPE.search(line):
        _check_json(value)
    return value


def _check_json(value: Any) -> None:
    """Refuse a value nested deeper than MAX_JSON_DEPTH, before anything
    recurses into it, and strings that are not text: JSON's \\ud800 escapes
    can spell a lone UTF-16 surrogate, which no UTF-8 file (the trace, the
    report) can hold and which is nobody's name (RFC 7493 forbids them)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _Bad(_NESTED_TOO_DEEPLY)
        if isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key)
                stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
        raise _Bad(
            f"{_show(shown)}: `\\u{code:04x}` is half of a UTF-16 surrogate pair, not a character (a broken export?)"
        ) from None


def _raise_bad_rows(path: str, bad: list[BadRow]) -> None:
    lines = [str(row) for row in bad[:SHOWN_BAD_ROWS]]
    if len(bad) > SHOWN_BAD_ROWS:
        lines.append(f"{path}: and {len(bad) - SHOWN_BAD_ROWS} more bad rows ({len(bad)} in all)")
    raise InputError("\n".join(lines), bad)


def _list_names(names: Iterable[str], limit: int = 12) -> str:
    names = list(names)
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# ---------------------------------------------------------------------------
# Contacts


def _squash(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


class _Column:
    """How one input column (or JSON key) becomes part of a contact."""

    __slots__ = ("label", "name", "path", "kind", "from_text", "from_json")

    def __init__(self, label, name, path, kind, from_text, from_json):
        self.label = label  # for messages: `revenue`, or `Annual Revenue` (revenue)
        self.name = name
        self.path = path  # tuple of keys into data
        self.kind = kind  # "id", "timezone", "value"
        self.from_text = from_text  # str -> value, None: the text itself
        self.from_json = from_json  # JSON value -> value


def _string_json(value: Any) -> str:
    if type(value) is int:
        return str(value)
    raise _Bad(f"expected text, got {_json_kind(value)} {_show(value)}")


def _keep_json(value: Any):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not _fits(value):
        raise _unfit(value)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, (int, float)) and not isinstance(item, bool) and not _fits(item):
                raise _unfit(item)
    return value


_CONVERTERS = {
    # kind: (from text, from a JSON value that is not a string)
    "string": (None, _string_json),
    "number": (_number, _json_number),
    "date": (_date, None),
    "bool": (_bool, _json_bool),
    "duration": (_duration, _json_duration),
}


class _Contacts:
    """What reading one contacts file needs to know and remembers."""

    def __init__(self, path: str, ir: dict, mapping: dict[str, str] | None):
        self.path = path
        self.types: dict[str, str] = dict(ir.get("attributes") or {})
        self.types.setdefault("id", "string")
        self.types.setdefault("timezone", "string")
        self.mapping = dict(mapping or {})
        given = mapping if isinstance(mapping, Mapping) else Mapping()  # a plain dict has no presets or value maps
        self.optional: set[str] = set(given.optional)
        self.value_maps: dict[str, dict[str, str]] = dict(given.value_maps)
        self.value_maps_where: dict[str, str] = dict(given.values_where)
        self.value_maps_optional: set[str] = set(given.values_optional)
        self.unsubscribed: dict[str, str | None] = {}  # contact id: the date of `event.unsubscribed_at`
        known = set(self.types) | {"tags", "consent"}
        self.squashed = {_squash(name): name for name in known}
        self.columns: dict[str, _Column] = {}
        self.bad: list[BadRow] = []
        self.contacts: list[Contact] = []
        self.first_line: dict[str, int] = {}
        # what was read, for the summary: (source, name) of each column, and
        # per column label the rows whose value did not fit (count, first line)
        self.read_columns: dict[str, str] = {}
        self.failed: dict[str, list[int]] = {}
        self.noun = "column"  # what the file's names are called in messages

    def column_problem(self, source: str, name: str, present: Iterable[str]) -> str | None:
        """Why the column `name` (`source` before mapping) cannot be read,
        whatever its values; None when it can."""
        parts = name.split(".")
        if not all(parts):
            return f"{self.noun} `{source}`: `{name}` has an empty part between dots"
        for end in range(1, len(parts)):
            prefix = ".".join(parts[:end])
            if prefix in self.types or prefix in ("tags", "consent"):
                # `id.stage` would make the id an object
                return (
                    f"{self.noun} `{source}`: `{prefix}` is an attribute of its own, so `{name}` cannot be part of it"
                )
        if self.types.get(name) == "duration" and name.endswith("_ago"):
            origin = name[: -len("_ago")] + "_at"
            return (
                f"{self.noun} `{source}`: `{name}` is computed from `{origin}` at each moment; give `{origin}` instead"
            )
        if name not in self.types and name not in ("tags", "consent"):
            known = self.squashed.get(_squash(name))
            if known and known not in present:
                return (
                    f"{self.noun} `{source}` is not an attribute; did you mean `{known}`? "
                    f"map it with --map '{source}={known}' (or --map '{source}=' to ignore it)"
                )
            # A near miss of an attribute the playbook reads (`industy`) would
            # otherwise become a custom attribute nobody reads, and change
            # every result without a word.
            close = difflib.get_close_matches(_squash(name), list(self.squashed), n=1, cutoff=0.8)
            if close and self.squashed[close[0]] not in present:
                known = self.squashed[close[0]]
                own = name
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", name):
                    # `Create Date` is no name the language can declare: say how to make it one
                    own = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower() or "column"
                    own = own if not own[0].isdigit() else f"column_{own}"
                    mine = f"--map '{source}={own}' and declare `attribute {own}: string`"
                else:
                    mine = f"declare `attribute {name}: string`"
                return (
                    f"{self.noun} `{source}` is not an attribute; did you mean `{known}`? "
                    f"map it with --map '{source}={known}', or {mine} "
                    f"in the playbook if it is one of your own"
                )
        return None

    def fail(self, column: _Column, line: int) -> None:
        seen = self.failed.get(column.label)
        if seen is None:
            self.failed[column.label] = [1, line]
        else:
            seen[0] += 1

    def column(self, source: str, name: str) -> _Column:
        self.read_columns[source] = name
        column = self._column(source, name)
        values = self.value_maps.get(source, self.value_maps.get(name))
        if values is not None:
            column.from_text = _with_values(values, column.from_text)
            column.from_json = _json_with_values(values, column.from_text, column.from_json)
        return column

    def check_value_maps(self, present: dict[str, str]) -> list[str]:
        """Why a value map cannot be used: it names no column (or attribute
        of a column) of this file. `present` is {column: attribute}."""
        names = set(present) | set(present.values())
        problems = []
        for name in self.value_maps:
            if name in names or name in self.value_maps_optional:
                continue
            hint = "".join(f"; {h}" for h in did_you_mean(name, sorted(n for n in names if n)))
            problems.append(
                f"--map: {self.value_maps_where[name]}: no column or attribute `{name}` in "
                f"{os.path.basename(self.path)}{hint}"
            )
        return problems

    def _column(self, source: str, name: str) -> _Column:
        label = f"`{source}`" if source == name else f"`{source}` ({name})"
        path = tuple(name.split("."))
        if name in UNSUBSCRIBED_COLUMNS:
            kind = UNSUBSCRIBED_COLUMNS[name]
            return _Column(label, name, path, kind, _bool if kind == "unsubscribed" else _date, None)
        if name == "id":
            return _Column(label, name, path, "id", None, _string_json)
        if name == "timezone":
            return _Column(label, name, path, "timezone", _zone, _string_json)
        if name == "tags":
            return _Column(label, name, path, "value", _tags, _tags)
        if name == "consent":
            return _Column(label, name, path, "value", _consent, _consent)
        kind = self.types.get(name)
        if kind is None:
            return _Column(label, name, path, "value", _guess, _keep_json)
        from_text, from_json = _CONVERTERS.get(kind, (None, _keep_json))
        return _Column(label, name, path, "value", from_text, from_json)

    def first_seen(self, contact_id: str, line: int) -> int | None:
        """The line of an earlier contact with this id (read from a row
        with an id, good or bad), or None. A sorted stream overrides it to
        check the order instead of remembering every id (streams.py)."""
        return self.first_line.get(contact_id)

    def remember(self, contact_id: str, line: int) -> None:
        """Note a good contact's id, for `first_seen`."""
        self.first_line[contact_id] = line

    def finish(self, line: int, data: dict, problems: list[str], id_failed: bool = False) -> Contact | None:
        """Check one contact: the Contact, or None for a bad row."""
        contact_id = data.get("id")
        if contact_id is None and not id_failed:
            problems.append("no `id`")
        first = self.first_seen(contact_id, line) if contact_id is not None else None
        if first is not None and not problems:
            problems.append(f"duplicate id `{contact_id}` (first on line {first})")
        if problems:
            self.bad.append(BadRow(self.path, line, "; ".join(problems)))
            return None
        self.remember(contact_id, line)
        flags = data.get("event")
        if isinstance(flags, dict) and ("unsubscribed" in flags or "unsubscribed_at" in flags):
            flag, at = flags.pop("unsubscribed", None), flags.pop("unsubscribed_at", None)
            if not flags:
                del data["event"]
            if flag is True:
                self.unsubscribed[contact_id] = at
        if "name" not in data:
            first, last = data.get("first_name"), data.get("last_name")  # strings when present
            if first or last:
                data["name"] = f"{first} {last}" if first and last else first or last
        if "tags" not in data:
            data["tags"] = []
        if "consent" not in data:
            data["consent"] = []
        return Contact(contact_id, data, data.get("timezone"), line)


# Columns that are not attributes: a flag that the contact unsubscribed
# (true/false, after value maps), which becomes an `unsubscribed` event at
# the date of `event.unsubscribed_at` when that column is given and filled,
# else at the replay's start.
UNSUBSCRIBED_COLUMNS = {"event.unsubscribed": "unsubscribed", "event.unsubscribed_at": "unsubscribed_at"}


class _Absent:
    """A value map's "": the value is read as absent."""


ABSENT = _Absent()


def _with_values(values: dict[str, str], convert):
    def read(text: str):
        text = values.get(text.casefold(), text)
        if not text:
            return ABSENT
        return convert(text) if convert is not None else text

    return read


def _json_with_values(values: dict[str, str], from_text, from_json):
    def read(value: Any):
        key = value if isinstance(value, str) else json.dumps(value)
        if key.casefold() in values:
            return from_text(key)
        return from_json(value) if from_json is not None else value

    return read


def _put(data: dict, path: tuple, value: Any) -> None:
    if len(path) == 1:
        data[path[0]] = value
        return
    target = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _put_checked(data: dict, path: tuple, value: Any) -> bool:
    """_put for keys whose paths were not checked against each other: False
    when `deal` would be both a value and an object."""
    target = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
        if not isinstance(target, dict):
            return False
    if isinstance(target.get(path[-1]), dict):
        return False
    target[path[-1]] = value
    return True


def _no_id_message(path: str, header: list[str]) -> str:
    candidate = next((c for c in header if _squash(c).endswith("id")), "Record ID")
    return f"{path}:1: no `id` column; columns are {_list_names(header)}; map one with --map '{candidate}=id'"


def _contacts_csv(state: _Contacts, text: str | Iterable[str], delimiter: str) -> Iterator[Contact]:
    path = state.path
    records = _csv_records(path, text, delimiter)
    try:
        header_line, header_cells, _ = next(records)
    except StopIteration:
        raise InputError(f"{path}: the file is empty; expected a header line with an `id` column") from None
    header = [cell.strip() for cell in header_cells]
    problems: list[str] = []
    where = f"{path}:{header_line}:"

    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "`;`" if ";" in header[0] else "tabs"
        raise InputError(f"{where} the header has one column, separated by {separator}; save the file with commas")

    seen: dict[str, int] = {}
    for index, name in enumerate(header, 1):
        if name and name in seen:
            problems.append(f"{where} columns {seen[name]} and {index} are both named `{name}`")
        seen.setdefault(name, index)
    for source in state.mapping:
        if source not in seen and source not in state.optional:
            hint = "".join(f"; {h}" for h in did_you_mean(source, [h for h in header if h]))
            problems.append(f"{where} --map: no column `{source}` in {os.path.basename(path)}{hint}")

    names = [state.mapping.get(h, h) if h else "" for h in header]
    present = set(names)
    becomes: dict[str, str] = {}
    columns: list[tuple[int, _Column]] = []
    unnamed: list[int] = []
    for index, (source, name) in enumerate(zip(header, names)):
        if not source:
            unnamed.append(index)
            continue
        if not name:  # mapped to nothing: dropped
            continue
        if name in becomes and becomes[name] != source:
            problems.append(f"{where} columns `{becomes[name]}` and `{source}` both become `{name}`")
            continue
        becomes[name] = source
        problem = state.column_problem(source, name, present)
        if problem:
            problems.append(f"{where} {problem}")
            continue
        columns.append((index, state.column(source, name)))
    problems.extend(f"{where} {p}" for p in state.check_value_maps(dict(zip(header, names))))
    accepted = {column.name: column for _, column in columns}
    for _, column in columns:
        for end in range(1, len(column.path)):
            prefix = ".".join(column.path[:end])
            if prefix in accepted:
                problems.append(f"{where} columns {accepted[prefix].label} and {column.label} both set `{prefix}`")
    if "id" not in becomes:
        problems.append(_no_id_message(path, [h for h in header if h]))
    if problems:
        raise InputError("\n".join(sorted(set(problems), key=problems.index)))

    text_columns = [(i, c) for i, c in columns if c.from_text is None and len(c.path) == 1]
    others = [(i, c) for i, c in columns if (i, c) not in text_columns]
    text_keys = [c.name for _, c in text_columns]
    indexes = [i for i, _ in text_columns]
    get_text = (
        (lambda cells: ())
        if not indexes
        else ((lambda cells: (cells[indexes[0]],)) if len(indexes) == 1 else itemgetter(*indexes))
    )
    strip = str.strip
    width = len(header)
    rows = 0
    for line, cells, last in records:
        rows += 1
        if len(cells) != width:
            spans = f' (the row runs to line {last}: a stray `"`?)' if last > line else ""
            state.bad.append(BadRow(path, line, f"the row has {len(cells)} cells, the header {width} columns{spans}"))
            continue
        # Text columns in one comprehension, the rest one by one: this loop
        # is most of the time taken by a large file.
        data = {key: value for key, value in zip(text_keys, map(strip, get_text(cells))) if value}
        row_problems: list[str] = []
        for index, column in others:
            value = cells[index].strip()
            if not value:
                continue
            if column.from_text is not None:
                try:
                    value = column.from_text(value)
                except _Bad as error:
                    row_problems.append(f"{column.label}: {error}")
                    state.fail(column, line)
                    continue
                if value is ABSENT:
                    continue
            if len(column.path) == 1:
                data[column.name] = value
            else:
                _put(data, column.path, value)
        for index in unnamed:
            if cells[index].strip():
                row_problems.append(f"a value in column {index + 1}, which has no name in the header")
        contact = state.finish(line, data, row_problems)
        if contact is not None:
            yield contact
    if not rows:
        raise InputError(f"{path}: no contacts after the header")


def _flatten(value: dict, prefix: str, out: dict, problems: list[str]) -> None:
    for key, item in value.items():
        name = prefix + key
        if isinstance(item, dict):
            _flatten(item, name + ".", out, problems)
        elif name in out:
            problems.append(f"`{name}` is given twice")
        else:
            out[name] = item


def _contacts_jsonl(state: _Contacts, text: str | Iterable[str] | Records) -> Iterator[Contact]:
    path = state.path
    state.noun = "key"
    seen_keys: set[str] = set()
    for line, record in _json_records(state, text):
        problems: list[str] = []
        flat: dict = {}
        _flatten(record, "", flat, problems)
        seen_keys.update(flat)
        renamed: dict[str, tuple[str, Any]] = {}
        for key, value in flat.items():
            name = state.mapping.get(key, key)
            if not name:
                if key not in state.mapping:
                    problems.append(f"a key with no name: {_show(value)}")
                continue
            if name in renamed:
                problems.append(f"`{renamed[name][0]}` and `{key}` both become `{name}`")
                continue
            renamed[name] = (key, value)
        data: dict = {}
        id_failed = False
        for name, (key, value) in renamed.items():
            column = state.columns.get(key)
            if column is None or column.name != name:
                problem = state.column_problem(key, name, renamed)
                if problem:
                    raise InputError(f"{path}:{line}: {problem}")
                column = state.columns[key] = state.column(key, name)
            if value is None:
                continue
            try:
                if isinstance(value, str):
                    value = value.strip()
                    if not value:
                        continue
                    if column.from_text is not None:
                        value = column.from_text(value)
                elif column.from_json is None:
                    raise _Bad(f"expected text, got {_json_kind(value)} {_show(value)}")
                else:
                    value = column.from_json(value)
                    if column.kind == "timezone":
                        value = _zone(value)
                if value is ABSENT:
                    continue
            except _Bad as error:
                problems.append(f"{column.label}: {error}")
                state.fail(column, line)
                id_failed = id_failed or column.kind == "id"
                continue
            if isinstance(value, list) and column.path not in (("tags",), ("consent",)):
                if not all(isinstance(v, (str, int, float, bool)) for v in value):
                    problems.append(f"{column.label}: a list may hold only text, numbers and true/false")
                    continue
            if not _put_checked(data, column.path, value):
                problems.append(f"{column.label}: `{column.path[0]}` is given both as a value and as an object")
        contact = state.finish(line, data, problems, id_failed)
        if contact is not None:
            yield contact
    problems = state.check_value_maps({key: state.mapping.get(key, key) for key in seen_keys})
    if problems:
        raise InputError("\n".join(f"{path}: {problem}" for problem in problems))
    unused = [source for source in state.mapping if source not in seen_keys and source not in state.optional]
    if unused:
        lines = []
        for source in unused:
            hint = "".join(f"; {h}" for h in did_you_mean(source, seen_keys))
            lines.append(f"{path}: --map: no line of {os.path.basename(path)} has a key `{source}`{hint}")
        raise InputError("\n".join(lines))


def load_contacts(
    path: str,
    ir: dict,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    read: dict | None = None,
) -> tuple[list[Contact], list[BadRow]]:
    """Read a contacts file (CSV or JSON Lines) into Contacts typed by the
    IR's `attributes`; see the module docstring for the rules.

    Returns the contacts in file order and the bad rows that were skipped
    (always empty unless `skip_bad_rows`). Raises InputError for a file
    that cannot be used, and, unless `skip_bad_rows`, for bad rows: all of
    them at once, so one round of fixes is enough.

    `read`, when given, is filled with what was read, for a summary:
    "columns" {column: attribute} and "failed" {column label: [rows whose
    value did not fit, first such line]}.
    """
    with gc_paused():  # contacts and events hold no cycles; see gcpause
        return _load_contacts(path, ir, mapping, skip_bad_rows, read)


class Records:
    """Rows already read as objects, (row number, dict): a Parquet file
    (columnar.py), read by the JSON Lines rules."""

    def __init__(self, rows: Iterable[tuple[int, dict]], empty_ok: bool = False):
        self.rows = rows
        self.empty_ok = empty_ok  # a prepared folder's bucket may hold no rows


def _text_or_records(path: str, what: str) -> tuple[str, str | Records]:
    """The format and the text of a file read whole; a Parquet file's rows."""
    if path.lower().endswith(".parquet"):
        from .columnar import parquet_rows

        return "jsonl", Records(parquet_rows(path, what))
    text = _read_text(path, what)
    return _format(path, text), text


def _json_records(state, text: str | Iterable[str] | Records, empty_ok: bool = False) -> Iterator[tuple[int, dict]]:
    """(line, object) for each JSON line; a line that is not an object is a
    bad row of `state`. An empty file is an error unless `empty_ok`."""
    rows = 0
    if isinstance(text, Records):
        for row in text.rows:
            rows += 1
            yield row
        if not rows and not (empty_ok or text.empty_ok):
            raise InputError(f"{state.path}: the file has no rows")
        return
    for line, raw in _json_lines(text):
        rows += 1
        try:
            yield line, _parse_json_object(raw)
        except _Bad as error:
            state.bad.append(BadRow(state.path, line, str(error)))
    if not rows and not empty_ok:
        raise InputError(f"{state.path}: the file is empty; expected one JSON object per line")


def _required_text(name: str, value: Any, problems: list[str], what: str) -> str | None:
    """The stripped text of a required field, or None after noting what is
    wrong with it (nothing to note when the field is missing altogether: the
    caller has said so already)."""
    if value is _MISSING:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(
            f"`{name}` is empty"
            if value in (None, "") or isinstance(value, str)
            else f"`{name}` should be {what}, not {_json_kind(value)}"
        )
        return None
    return value.strip()


def _rows(kind: str, text: str | Iterable[str] | Records, state, read_jsonl, read_csv) -> Iterator:
    """The reader of a file in format `kind` (`_format`): the whole text or
    its lines; bad rows go to `state.bad`."""
    if kind == "jsonl":
        return read_jsonl(state, text)
    return read_csv(state, text, "\t" if kind == "tsv" else ",")


def _check_bad_rows(state, skip_bad_rows: bool) -> None:
    """Raise for the bad rows of a file read whole, unless they are to be skipped."""
    if state.bad and not skip_bad_rows:
        _raise_bad_rows(state.path, state.bad)


def _load_contacts(path, ir, mapping, skip_bad_rows, read=None):
    kind, text = _text_or_records(path, "contacts file")
    state = _Contacts(path, ir, mapping)
    state.contacts.extend(_rows(kind, text, state, _contacts_jsonl, _contacts_csv))
    _check_bad_rows(state, skip_bad_rows)
    if read is not None:
        read["unsubscribed"] = dict(state.unsubscribed)
        read["columns"] = dict(state.read_columns)
        read["failed"] = {label: list(seen) for label, seen in state.failed.items()}
    return state.contacts, state.bad


# ---------------------------------------------------------------------------
# Events

_EVENT_COLUMNS = ("contact", "at", "event", "args")
_MISSING = object()  # a key a JSON event does not have (already reported)


class _Events:
    def __init__(self, path: str, ir: dict, contact_ids):
        self.path = path
        self.events = set(ir.get("events") or ())
        self.contact_ids = contact_ids
        self.hint_ids = len(contact_ids) <= HINT_CONTACTS
        self.contact_hints: dict[str, str] = {}
        self.grouped: dict[str, list[Event]] = {}
        self.bad: list[BadRow] = []

    def add(self, line: int, contact: Any, at: Any, event: Any, args: Any, problems: list[str]) -> None:
        """One event; `args` is None, a string (CSV: `;`-separated) or a list."""
        if not problems and type(contact) is str and type(at) is str and type(event) is str:
            # The common row, a known contact and event at a good time with at most one
            # argument, without the checks that word a problem; anything else takes them.
            name, kind = contact.strip(), event.strip()
            if name in self.contact_ids and kind in self.events and name:
                if args is None or type(args) is str and ";" not in args:
                    arg = args.strip() if args else None
                elif type(args) is list and len(args) <= 1 and all(type(a) is str for a in args):
                    arg = args[0].strip() if args else None
                else:
                    arg = _MISSING
                if arg is not _MISSING:
                    try:
                        moment = parse_timestamp(at)
                    except ValueError:
                        pass
                    else:
                        entries = self.grouped.get(name)
                        if entries is None:
                            entries = self.grouped[name] = []
                        entries.append(Event(moment, kind, arg or None))
                        return
        if type(contact) is int:
            contact = str(contact)
        contact = _required_text("contact", contact, problems, "text")
        if contact is not None and contact not in self.contact_ids:
            problems.append(f"unknown contact `{contact}`{self.contact_hint(contact)}")
        moment = None
        at = _required_text("at", at, problems, "a timestamp in quotes")
        if at is not None:
            try:
                moment = parse_timestamp(at)
            except ValueError as error:
                problems.append(str(error))
        event = _required_text("event", event, problems, "text")
        if event is not None and event not in self.events:
            hint = "".join(f"; {h}" for h in did_you_mean(event, self.events))
            problems.append(f"unknown event `{event}`{hint}")
        arg = None
        if args is not None:
            if isinstance(args, str):
                items = [a.strip() for a in args.split(";")]
                items = [a for a in items if a]
            elif isinstance(args, list) and all(isinstance(a, str) for a in args):
                items = [a.strip() for a in args if a.strip()]
            else:
                items = None
                problems.append(f"`args` should be a list of at most one text, not {_show(args)}")
            if items is not None and len(items) > 1:
                problems.append(f"an event has at most one argument; got {len(items)}: {_show(args)}")
            elif items:
                arg = items[0]
        if problems:
            self.bad.append(BadRow(self.path, line, "; ".join(problems)))
            return
        entries = self.grouped.get(contact)
        if entries is None:
            entries = self.grouped[contact] = []
        entries.append(Event(moment, event, arg))

    def contact_hint(self, contact: str) -> str:
        if not self.hint_ids:
            return ""
        hint = self.contact_hints.get(contact)
        if hint is None:
            hint = self.contact_hints[contact] = "".join(f"; {h}" for h in did_you_mean(contact, self.contact_ids))
        return hint


def _events_csv(state: _Events, text: str | Iterable[str], delimiter: str) -> Iterator[tuple]:
    """The arguments of `_Events.add` per row; bad rows of the file's shape go to `state.bad`."""
    path = state.path
    records = _csv_records(path, text, delimiter)
    try:
        header_line, header_cells, _ = next(records)
    except StopIteration:
        return  # a file with no events at all is no events, as a header alone is
    where = f"{path}:{header_line}:"
    header = [cell.strip().lower() for cell in header_cells]
    header = ["args" if name == "arg" else name for name in header]
    problems = []
    for name in header:
        if name not in _EVENT_COLUMNS:
            hint = "".join(f"; {h}" for h in did_you_mean(name, _EVENT_COLUMNS))
            shown = f"`{name}`" if name else "with no name"
            problems.append(f"{where} unknown column {shown}{hint} (the columns are contact, at, event and args)")
        elif header.count(name) > 1:
            problems.append(f"{where} two `{name}` columns")
    for name in _EVENT_COLUMNS[:3]:
        if name not in header:
            problems.append(f"{where} no `{name}` column (the columns are contact, at, event and args)")
    if problems:
        raise InputError("\n".join(sorted(set(problems), key=problems.index)))
    width = len(header)
    i_contact, i_at, i_event = (header.index(n) for n in _EVENT_COLUMNS[:3])
    i_args = header.index("args") if "args" in header else None
    for line, cells, last in records:
        if len(cells) != width:
            spans = f' (the row runs to line {last}: a stray `"`?)' if last > line else ""
            state.bad.append(BadRow(path, line, f"the row has {len(cells)} cells, the header {width} columns{spans}"))
            continue
        args = cells[i_args] if i_args is not None else None
        yield line, cells[i_contact], cells[i_at], cells[i_event], args, []


def _events_jsonl(state: _Events, text: str | Iterable[str] | Records) -> Iterator[tuple]:
    # no events is an export of a quiet time, as a CSV header alone is
    for line, record in _json_records(state, text, empty_ok=True):
        problems = []
        for key in record:
            if key not in ("contact", "at", "event", "args", "arg"):
                hint = "".join(f"; {h}" for h in did_you_mean(key, _EVENT_COLUMNS))
                problems.append(f"unknown key `{key}`{hint} (the keys are contact, at, event and args)")
        args = record.get("args")
        if "arg" in record:
            if "args" in record:
                problems.append("both `arg` and `args`; give one")
            elif record["arg"] is not None:
                args = record["arg"]
                if not isinstance(args, str):
                    problems.append(f"`arg` should be text, not {_json_kind(args)}")
                    args = None
                else:
                    args = [args]
        for key in ("contact", "at", "event"):
            if key not in record:
                problems.append(f"no `{key}`")
        yield (
            line,
            record.get("contact", _MISSING),
            record.get("at", _MISSING),
            record.get("event", _MISSING),
            args,
            problems,
        )


def load_events(
    path: str, ir: dict, contact_ids: set[str] | dict, skip_bad_rows: bool = False
) -> tuple[dict[str, list[Event]], list[BadRow]]:
    """Read an events file (JSON Lines or CSV) for the contacts `contact_ids`
    (a set, or a dict keyed by id).

    Returns {contact id: events in time order, file order for equal times}
    and the bad rows skipped (always empty unless `skip_bad_rows`). An event
    the IR does not know, for a contact not loaded, or at a time without a
    zone makes a bad row: each would change what the simulation does.
    """
    with gc_paused():  # contacts and events hold no cycles; see gcpause
        return _load_events(path, ir, contact_ids, skip_bad_rows)


def _load_events(path, ir, contact_ids, skip_bad_rows):
    kind, text = _text_or_records(path, "file of events")
    state = _Events(path, ir, contact_ids)
    for row in _rows(kind, text, state, _events_jsonl, _events_csv):
        state.add(*row)
    _check_bad_rows(state, skip_bad_rows)
    at = attrgetter("at")
    for events in state.grouped.values():
        events.sort(key=at)
    return state.grouped, state.bad
