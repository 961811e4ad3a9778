"""Cohort mode's model: synthetic contacts and how they respond to touches.

`nurturedsl simulate --cohort N --responses model.toml --seed S` runs N
synthetic contacts through the programme. This module reads the model file
(`load_responses`) and answers two questions for the engine:

- `ResponseModel.contact(index, seed, start)`: who contact `index` is and
  which events bring them in (downloads, registrations...). Contact `index`
  depends on `(seed, index)` alone, so any partition of the cohort over
  worker processes generates the same contacts.
- `ResponseModel.respond(contact, touch, at, rng, in_segment)`: what the
  contact does after a touch is delivered (opens, clicks, replies, pricing
  visits, demo bookings, unsubscribes), drawn from
  `rng = contact_rng(seed, contact.id)`.

`interval(values)` gives a figure's mean and 95% interval over runs.
`ResponseModel.params(touch, segments)` shows the resolved probabilities
(for reports and debugging); `ResponseModel.segments` lists the segments the
file has tables for. A model pickles (it is re-read from its text), so it
can be handed to worker processes.

A contact's `data` always holds `id`, `name`, `tags` and `consent` (lists,
possibly empty), plus what `[population]` gives; `Contact.timezone` is the
`timezone` attribute or None.

Determinism: the same file, IR, seed and index give the same contact and
the same responses, byte for byte, in every process and Python version.
Nothing uses `hash()` (randomised per process): a contact's attributes and
arrivals come from SHAKE-128 of `contact:{seed}:{index}` (32-bit uniforms,
cheaper than seeding a generator per contact); responses come from a
`random.Random` seeded with BLAKE2b of `respond:{seed}:{contact id}`, of
which only `random()` is used (exponential and normal draws are computed
here rather than with `random`'s helpers, whose algorithms may change).

The model file
==============

Its format (`[population]` with profiles, `[[arrivals]]`, `[responses]`
and their precedence) is documented for users in docs/simulation.md, "The
model file"; the tests parse the example given there, and the bundled
examples/responses.toml is a fuller, commented model.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import random
import re
import struct
import sys
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from ..diagnostics import did_you_mean
from ..vocabulary import CONSENT_CHANNELS
from .contact import Contact, Event, Touch

__all__ = ["CohortError", "ResponseModel", "load_responses", "parse_responses", "contact_rng", "interval"]


class CohortError(Exception):
    """A problem with a model file; str() is the message for the user."""


# ---------------------------------------------------------------- seeding


def _derive(domain: str, seed: int, item) -> int:
    digest = hashlib.blake2b(f"{domain}:{seed}:{item}".encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big")


def contact_rng(seed: int, contact_id: str) -> random.Random:
    """The random numbers for one contact's responses: from (seed, contact id)
    alone, identical in every process and Python run."""
    return random.Random(_derive("respond", seed, contact_id))


def contact_id(index: int) -> str:
    """The id of cohort contact `index` (counting from 0): `cohort-000001`..."""
    return f"cohort-{index + 1:06d}"


# ---------------------------------------------------------------- intervals

# Two-sided 95% quantiles of Student's t, by degrees of freedom 1..30.
_T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def interval(values: list[float]) -> tuple[float, float, float]:
    """(mean, low, high): the mean of `values` (one per run) and its 95%
    t-interval; 1.96 is used beyond 30 degrees of freedom. One value gives
    low == high == mean."""
    n = len(values)
    if n == 0:
        raise ValueError("interval() needs at least one value")
    mean = math.fsum(values) / n
    if n == 1:
        return mean, mean, mean
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    t = _T95[n - 2] if n - 1 <= len(_T95) else 1.96
    half = t * math.sqrt(variance / n)
    return mean, mean - half, mean + half


# ---------------------------------------------------------------- parsing helpers

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_SCALE = (2.0**-32).__mul__  # a 32-bit integer to [0, 1), exactly
MAX_FILE_BYTES = 1 << 20  # a model file: some hundreds of tables
MAX_DURATION = 3650 * 86400.0  # as in playbooks: 10 years
MAX_DAYS_AGO = 36_500  # a century before the start, which is 1900 at the earliest: still a date
# The largest |Z| the Box-Muller draw below can give: sqrt(-2 ln 2^-32), the
# smallest uniform above 0 being 2^-32.
_Z_MAX = math.sqrt(64 * math.log(2))
_LARGEST = 1e300  # a draw must stay a finite number, with room to add and compare

RESPONSE_KEYS = ("open", "click", "reply", "visit_pricing", "book_demo", "unsubscribe")
CHANNELS = ("email", "sms", "linkedin", "ads")
DEFAULT_DELAY = 6 * 3600.0
_GENERATED = {
    "name": "Contact {n}",
    "email": "contact{n}@example.com",
    "phone": "+1-555-{n:07d}",
    "company": "Company {n}",
    "first_name": "Contact",
    "last_name": "{n}",
}


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def _suggest(name: str, known) -> str | None:
    hints = did_you_mean(name, known)
    return hints[0][len("did you mean `") : -2] if hints else None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _computable(number) -> bool:
    """Finite and at most _LARGEST either side of 0, compared exactly: TOML
    has inf and nan, and tomllib reads integers of any size, which
    math.isfinite() cannot even convert."""
    return -_LARGEST <= number <= _LARGEST  # False for NaN


def _show(value) -> str:
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 60 else f'"{value[:57]}..."'
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)  # an int from tomllib has at most 4,300 digits
    return text if len(text) <= 60 else f"{text[:57]}..."


class _Reader:
    """Checks one file's tables; every error names the file and the table."""

    def __init__(self, path: str, ir: dict):
        self.path = path
        self.ir = ir
        self.attributes: dict = dict(ir.get("attributes", {}))
        self.events = list(ir.get("events", []))
        self.content = list(ir.get("content", {}))
        self.segments = list(ir.get("segments", {}))

    def fail(self, where: str, message: str):
        from .inputs import printable

        raise CohortError(printable(f"{self.path}: {where}: {message}"))  # one line, whatever a key holds

    def unknown_key(self, where: str, key: str, known, what: str = "key"):
        match = _suggest(key, known)
        hint = f"; did you mean `{match}`?" if match else ""
        self.fail(where, f"unknown {what} `{key}`{hint}")

    def unknown_table(self, where: str, parent: str, key: str, known):
        match = _suggest(key, known)
        hint = f"; did you mean [{parent}.{match}]?" if match else ""
        self.fail(f"[{parent}.{key}]", f"unknown table{hint}")

    def table(self, where: str, value, what: str) -> dict:
        if not isinstance(value, dict):
            self.fail(
                where,
                f"{what} must be a table, not {_show(value)}"
                if what != where
                else f"must be a table, not {_show(value)}",
            )
        return value

    def probability(self, where: str, key: str, value) -> float:
        if not _is_number(value) or not 0 <= value <= 1:
            self.fail(where, f"`{key}` must be a probability from 0 to 1, not {_show(value)}")
        return float(value)

    def number(self, where: str, key: str, value, what: str = "a number") -> float:
        """A finite number: TOML has inf and nan, and floats as large as 1e308,
        with which draws overflow or compare as nothing."""
        if not _is_number(value):
            self.fail(where, f"`{key}` must be {what}, not {_show(value)}")
        if not _computable(value):
            self.fail(
                where,
                f"`{key}` = {_show(value)} is not a number a simulation can compute with "
                f"(finite, at most {_LARGEST:g} either side of 0)",
            )
        return value

    def weight(self, where: str, key: str, value) -> float:
        if not _is_number(value) or not value >= 0 or value == math.inf:  # NaN is not >= 0
            self.fail(where, f"`{key}` must be a weight (a number, 0 or more), not {_show(value)}")
        return float(self.number(where, key, value))  # weights are added up: not 1e308

    def duration(self, where: str, key: str, value, zero: bool = False) -> float:
        seconds = None
        if isinstance(value, str):
            text = value.strip()
            parts = _DURATION.findall(text)
            if parts and "".join(f"{a}{b}" for a, b in parts) == text.replace(" ", ""):
                seconds = math.fsum(float(a) * _UNIT[b] for a, b in parts)
        if seconds is None or (seconds <= 0 and not zero):
            self.fail(
                where,
                f'`{key}` must be a duration like "3d" (units: s, m, h, d, w), not {_show(value)}'
                if seconds is None
                else f"`{key}` must be longer than zero",
            )
        if not seconds <= MAX_DURATION:  # "999...9d" is a float too large to be finite
            self.fail(where, f"`{key}` is longer than 3650d (10 years), the longest duration, as in playbooks")
        return seconds

    # ------------------------------------------------------------ the file

    def read(self, data: dict) -> ResponseModel:
        known = ("population", "arrivals", "responses")
        for key, value in data.items():
            if key not in known:
                if isinstance(value, (dict, list)):
                    match = _suggest(key, known)
                    self.fail(
                        f"[{key}]",
                        "unknown table"
                        + (
                            f"; did you mean [{match}]?"
                            if match
                            else "; known: [population], [[arrivals]], [responses]"
                        ),
                    )
                self.unknown_key("the top level", key, known)
        model = ResponseModel()
        population = data.get("population", {})
        model._steps, model._named = self.population(self.table("[population]", population, "[population]"))
        arrivals = data.get("arrivals", [])
        if not isinstance(arrivals, list):
            self.fail("[arrivals]", "write each arrival as [[arrivals]] (an array of tables)")
        model._arrivals = tuple(self.arrival(i + 1, a) for i, a in enumerate(arrivals))
        self.responses(model, self.table("[responses]", data.get("responses", {}), "[responses]"))
        model._prepare()
        return model

    # ------------------------------------------------------------ population

    def flatten(self, where: str, table: dict, extra=(), prefix: str = "") -> list[tuple[str, object]]:
        """(attribute, spec) pairs, nested tables such as `deal = { stage = ... }`
        turned into dotted names; an attribute given twice is an error."""
        out = []
        for key, value in table.items():
            name = prefix + key
            if (
                name not in self.attributes
                and (prefix or key not in extra)
                and isinstance(value, dict)
                and any(a.startswith(name + ".") for a in self.attributes)
            ):
                out.extend(self.flatten(where, value, extra, name + "."))
            else:
                out.append((name, value))
        if not prefix:
            seen = set()
            for name, _ in out:
                if name in seen:
                    self.fail(where, f"`{name}` is given twice")
                seen.add(name)
        return out

    def population(self, table: dict):
        where = "[population]"
        steps: list = []
        placed: dict[str, str] = {}
        specials = ("tags", "consent", "profiles")
        for attr, spec in self.flatten(where, table, specials):
            if attr == "profiles":
                continue
            if attr == "tags":
                steps.append(self.tags(where, spec))
            elif attr == "consent":
                steps.append(self.consent(where, spec))
            else:
                steps.append(self.attribute(where, attr, spec))
                placed[attr] = where
        profiles = table.get("profiles", {})
        if not isinstance(profiles, dict):
            self.fail("[population.profiles]", "write each profile as [[population.profiles.GROUP]]")
        for group, entries in profiles.items():
            gwhere = f"[[population.profiles.{group}]]"
            if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
                self.fail(
                    gwhere,
                    f"a profile group is an array of tables: write [[population.profiles.{group}]] before each entry",
                )
            weights, bodies = [], []
            for number, entry in enumerate(entries, 1):
                ewhere = f"{gwhere} #{number}"
                weights.append(self.weight(ewhere, "weight", entry.get("weight", 1)))
                body = []
                for attr, spec in self.flatten(ewhere, entry, ("weight", "tags")):
                    if attr == "weight":
                        continue
                    if attr == "tags":
                        body.append(self.tags(ewhere, spec))
                        continue
                    if attr in ("consent", "profiles"):
                        self.fail(ewhere, f"`{attr}` belongs in [population], not in a profile")
                    if placed.get(attr, gwhere) != gwhere:
                        self.fail(ewhere, f"`{attr}` is also given in {placed[attr]}: give each attribute in one place")
                    body.append(self.attribute(ewhere, attr, spec))
                    placed[attr] = gwhere
                bodies.append(tuple(body))
            if not math.fsum(weights) > 0:
                self.fail(gwhere, "the weights add up to 0")
            steps.append(_group_step(weights, bodies))
        named = "name" in placed
        return tuple(steps), named

    def tags(self, where: str, spec):
        if not isinstance(spec, dict):
            self.fail(where, 'write `tags` as a table of probabilities: tags = { "vip" = 0.1 }')
        items = tuple((str(tag), self.probability(where + " tags", tag, p)) for tag, p in spec.items())

        def step(rand, data, n, day):
            tags = data["tags"]
            for tag, p in items:
                if (p >= 1.0 or rand() < p) and tag not in tags:
                    tags.append(tag)

        return _draws(step, sum(p < 1.0 for _, p in items))

    def consent(self, where: str, spec):
        if not isinstance(spec, dict):
            self.fail(where, "write `consent` as a table of probabilities: consent = { email = 1.0 }")
        for channel in spec:
            if channel not in CONSENT_CHANNELS:
                self.unknown_key(where + " consent", channel, CONSENT_CHANNELS, "channel")
        items = tuple((c, self.probability(where + " consent", c, spec[c])) for c in CONSENT_CHANNELS if c in spec)

        def step(rand, data, n, day):
            consent = data["consent"]
            for channel, p in items:
                if p >= 1.0 or rand() < p:
                    consent.append(channel)

        return _draws(step, sum(p < 1.0 for _, p in items))

    def attribute(self, where: str, attr: str, spec):
        if attr == "id":
            self.fail(where, "`id` is the contact's id (`cohort-000001`...) and cannot be given")
        if attr not in self.attributes:
            self.unknown_key(where, attr, list(self.attributes) + ["tags", "consent", "profiles"], "attribute")
        kind = self.attributes[attr]
        if kind == "duration" and attr.endswith("_ago") and self.attributes.get(attr[:-4] + "_at") == "date":
            self.fail(where, f"`{attr}` is computed from `{attr[:-4]}_at`; give `{attr[:-4]}_at` instead")
        awhere = f"{where} {attr}"
        present = 1.0
        if isinstance(spec, dict):
            spec = dict(spec)
            if "present" in spec:
                present = self.probability(awhere, "present", spec.pop("present"))
            draw = self.sampler(awhere, attr, kind, spec)
        else:
            value = self.value(awhere, attr, kind, spec)
            draw = _constant(value)
        if attr == "timezone":
            if isinstance(spec, dict) and not ({"values", "choice"} & set(spec)):
                self.fail(awhere, "give time zones with `values` or `choice`, or one zone as a string")
            draw = self.checked_zones(awhere, spec, draw)
        return _set_step(tuple(attr.split(".")), draw, present)

    def checked_zones(self, where, spec, draw):
        import zoneinfo

        values = []
        if isinstance(spec, str):
            values = [spec]
        elif isinstance(spec, dict):
            values = list(spec.get("values", {})) + list(spec.get("choice", []))
        for name in values:
            try:
                zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                self.fail(where, f'unknown time zone `{name}`; use an IANA name such as "Europe/Berlin" or "UTC"')
        return draw

    def value(self, where: str, attr: str, kind: str, value, from_key: bool = False):
        """A constant of the attribute's type, as conditions see it."""
        if kind == "string":
            if isinstance(value, str):
                return value
        elif kind == "number":
            number = value
            if from_key and isinstance(value, str):
                try:
                    number = float(value)  # float() has no limit on digits; int() has
                except ValueError:
                    pass
            if _is_number(number):
                if not _computable(number):
                    self.fail(
                        where,
                        f"`{attr}`: {_show(value)} is not a number a simulation can compute with "
                        f"(finite, at most {_LARGEST:g} either side of 0)",
                    )
                if number is value:
                    return value
                try:
                    return int(value)  # at most 301 digits now
                except ValueError:
                    return number
        elif kind == "bool":
            if isinstance(value, bool):
                return value
            if from_key and value in ("true", "false"):
                return value == "true"
        elif kind == "date":
            if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
                return value.isoformat()
            if isinstance(value, str) and _DATE.match(value):
                try:
                    return _dt.date.fromisoformat(value).isoformat()
                except ValueError:
                    pass
        elif kind == "duration":
            if _is_number(value) and 0 <= value <= _LARGEST:
                return value
            if isinstance(value, str):
                return self.duration(where, attr, value)
        expected = {
            "string": "a string",
            "number": "a number",
            "bool": "true or false",
            "date": "a date (YYYY-MM-DD)",
            "duration": 'a duration such as "3d"',
        }[kind]
        self.fail(where, f"`{attr}` is a {kind} attribute: {expected}, not {_show(value)}")

    def sampler(self, where: str, attr: str, kind: str, spec: dict):
        forms = ("values", "choice", "uniform", "lognormal", "days_ago")
        for key in spec:
            if key not in forms:
                self.unknown_key(where, key, forms + ("present",))
        if len(spec) > 1:
            self.fail(where, "give one of " + ", ".join(f"`{f}`" for f in forms) + ", not several")
        if not spec:
            if kind != "string":
                self.fail(
                    where,
                    f"give a value: one of {', '.join(f'`{f}`' for f in forms)}"
                    " (`present` alone generates placeholders for string attributes only)",
                )
            pattern = _GENERATED.get(attr, attr + " {n}")
            return _draws(lambda rand, n, day: pattern.format(n=n), 0)
        ((form, arg),) = spec.items()
        if form == "values":
            if not isinstance(arg, dict) or not arg:
                self.fail(where, "`values` must be a table of value = weight, such as { SaaS = 0.6, Retail = 0.4 }")
            values = [self.value(where, attr, kind, k, from_key=True) for k in arg]
            weights = [self.weight(where, k, w) for k, w in arg.items()]
            if not math.fsum(weights) > 0:
                self.fail(where, "the weights of `values` add up to 0")
            return _categorical(values, weights)
        if form == "choice":
            if not isinstance(arg, list) or not arg:
                self.fail(where, '`choice` must be a list of values, such as ["CTO", "CFO"]')
            values = [self.value(where, attr, kind, v) for v in arg]
            return _categorical(values, [1.0] * len(values))
        if form == "uniform":
            if kind not in ("number", "duration"):
                self.fail(where, f"`uniform` needs a number or duration attribute; `{attr}` is a {kind}")
            if not isinstance(arg, list) or len(arg) != 2:
                self.fail(where, "`uniform` must be two bounds, such as [10, 5000]")
            low, high = (self.value(where, attr, kind, v) for v in arg)
            if low > high:
                self.fail(where, f"`uniform` runs backwards: {_show(arg[0])} is above {_show(arg[1])}")
            # |bounds| <= 1e300, so the width is finite
            if kind == "number" and all(isinstance(v, int) for v in arg):
                span = high - low + 1
                return _draws(lambda rand, n, day: low + int(rand() * span), 1)
            width = high - low
            return _draws(lambda rand, n, day: low + rand() * width, 1)
        if form == "lognormal":
            if kind != "number":
                self.fail(where, f"`lognormal` needs a number attribute; `{attr}` is a {kind}")
            return self.lognormal(where, arg)
        # days_ago
        if kind != "date":
            self.fail(where, f"`days_ago` needs a date attribute; `{attr}` is a {kind}")
        if (
            not isinstance(arg, list)
            or len(arg) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in arg)
        ):
            self.fail(where, "`days_ago` must be two whole numbers of days, such as [150, 400]")
        first, last = arg
        if first > last:
            self.fail(where, f"`days_ago` runs backwards: {first} is above {last}")
        if last > MAX_DAYS_AGO:
            self.fail(where, f"`days_ago` goes back at most {MAX_DAYS_AGO:,} days (a century), not {last:,}")
        span = last - first + 1
        return _draws(lambda rand, n, day: _date_text(day - first - int(rand() * span)), 1)

    def lognormal(self, where: str, arg):
        where = where + " lognormal"
        if not isinstance(arg, dict):
            self.fail(where, "`lognormal` must be a table: { median = 120, sigma = 1.0 }")
        known = ("median", "sigma", "min", "max")
        for key in arg:
            if key not in known:
                self.unknown_key(where, key, known)
        for key in ("median", "sigma"):
            if key not in arg:
                self.fail(where, f"`{key}` is missing")
        median, sigma = arg["median"], arg["sigma"]
        if not _is_number(median) or not median > 0:  # NaN is not above 0 either
            self.fail(where, f"`median` must be a number above 0, not {_show(median)}")
        self.number(where, "median", median)
        if not _is_number(sigma) or not sigma >= 0:
            self.fail(where, f"`sigma` must be a number, 0 or more, not {_show(sigma)}")
        low = self.number(where, "min", arg["min"]) if "min" in arg else -math.inf
        high = self.number(where, "max", arg["max"]) if "max" in arg else math.inf
        if low > high:
            self.fail(where, f"`min` {low} is above `max` {high}")
        # The largest draw is median * e^(sigma * _Z_MAX); with no `max` to
        # clamp it, it must be a number (sigma = 1e308 would make it infinite).
        log_median = math.log(median)
        if high == math.inf and log_median + sigma * _Z_MAX > math.log(_LARGEST):
            self.fail(
                where,
                f"`sigma` = {_show(sigma)} draws numbers too large to compute (up to "
                f"median × e^({_Z_MAX:.2f} × sigma)); give a smaller sigma, or a `max`",
            )
        self.number(where, "sigma", sigma)
        whole = isinstance(median, int)
        tau = 2 * math.pi
        log, cos, sqrt, exp = math.log, math.cos, math.sqrt, math.exp

        def draw(rand, n, day):
            # Box-Muller: one standard normal from two uniforms.
            z = sqrt(-2.0 * log(1.0 - rand())) * cos(tau * rand())
            e = sigma * z
            if e < 700.0:
                x = median * exp(e)
            else:  # e^(sigma z) alone overflows; the draw may not (a tiny median), or is clamped to `max`
                x = exp(log_median + e) if log_median + e < 709.0 else math.inf
            x = low if x < low else high if x > high else x
            return int(round(x)) if whole else x

        return _draws(draw, 2)

    # ------------------------------------------------------------ arrivals

    def arrival(self, number: int, entry) -> tuple:
        where = f"[[arrivals]] #{number}"
        entry = self.table(where, entry, "an arrival")
        known = ("event", "arg", "probability", "within", "after")
        for key in entry:
            if key not in known:
                self.unknown_key(where, key, known)
        if "event" not in entry:
            self.fail(where, "`event` is missing")
        event = entry["event"]
        if event not in self.events:
            self.unknown_key(where, str(event), self.events, "event")
        arg = entry.get("arg")
        if arg is not None and not isinstance(arg, str):
            self.fail(where, f"`arg` must be a string, not {_show(arg)}")
        p = self.probability(where, "probability", entry.get("probability", 1.0))
        if "within" not in entry:
            self.fail(where, '`within` is missing: the window the event falls in, such as "90d"')
        within = self.duration(where, "within", entry["within"])
        after = self.duration(where, "after", entry["after"], zero=True) if "after" in entry else 0.0
        return p, after, within, event, arg

    # ------------------------------------------------------------ responses

    def params(self, where: str, table, channel: str | None = None) -> dict:
        table = self.table(where, table, where)
        known = RESPONSE_KEYS + ("delay",)
        out = {}
        for key, value in table.items():
            if key not in known:
                if isinstance(value, dict):
                    self.fail(
                        where,
                        f"unknown table `{key}`: response tables hold only the keys "
                        + ", ".join(f"`{k}`" for k in known),
                    )
                self.unknown_key(where, key, known)
            if key == "open" and channel not in (None, "email"):
                self.fail(
                    where,
                    "`open` applies to email only: sms, linkedin and ads record no opens "
                    "(`click` is given delivery there)",
                )
            out[key] = self.duration(where, key, value) if key == "delay" else self.probability(where, key, value)
        return out

    def responses(self, model: ResponseModel, table: dict):
        known = ("default",) + CHANNELS + ("content", "segment")
        for key, value in table.items():
            if key not in known:
                if isinstance(value, dict):
                    self.unknown_table("[responses]", "responses", key, known)
                hint = (
                    "; probabilities go in a table such as [responses.default]"
                    if key in RESPONSE_KEYS + ("delay",)
                    else ""
                )
                if hint:
                    self.fail("[responses]", f"unknown key `{key}`{hint}")
                self.unknown_key("[responses]", key, known)
        model._default = self.params("[responses.default]", table.get("default", {}))
        model._channel = {c: self.params(f"[responses.{c}]", table[c], c) for c in CHANNELS if c in table}
        model._content = self.contents("responses", table.get("content", {}))
        segments = self.table("[responses.segment]", table.get("segment", {}), "[responses.segment]")
        order = []
        for seg, body in segments.items():
            swhere = f"[responses.segment.{seg}]"
            if seg not in self.segments:
                self.unknown_key(swhere, seg, self.segments, "segment")
            body = self.table(swhere, body, swhere)
            sknown = CHANNELS + ("content",)
            for key, value in body.items():
                if key not in sknown:
                    if key in RESPONSE_KEYS + ("delay",) or key == "default":
                        self.fail(
                            swhere,
                            f"unknown {'key' if key != 'default' else 'table'} `{key}`: a segment's "
                            "probabilities go in its channel or content tables, such as "
                            f"[responses.segment.{seg}.email]",
                        )
                    if isinstance(value, dict):
                        self.unknown_table(swhere, f"responses.segment.{seg}", key, sknown)
                    self.unknown_key(swhere, key, sknown)
            for c in CHANNELS:
                if c in body:
                    model._seg_channel[(seg, c)] = self.params(f"[responses.segment.{seg}.{c}]", body[c], c)
            for name, params in self.contents(f"responses.segment.{seg}", body.get("content", {})).items():
                model._seg_content[(seg, name)] = params
            order.append(seg)
        model.segments = tuple(order)

    def contents(self, parent: str, table) -> dict:
        table = self.table(f"[{parent}.content]", table, f"[{parent}.content]")
        out = {}
        for name, body in table.items():
            where = f"[{parent}.content.{name}]"
            if name not in self.content:
                self.unknown_key(where, name, self.content, "content")
            out[name] = self.params(where, body)
        return out


# ---------------------------------------------------------------- samplers


def _draws(fn, count: int):
    """Note how many uniforms `fn` takes at most (contact() draws them all
    from one hash)."""
    fn.draws = count
    return fn


def _constant(value):
    return _draws(lambda rand, n, day: value, 0)


def _categorical(values: list, weights: list[float]):
    if len(values) == 1:
        return _constant(values[0])
    total = math.fsum(weights)
    cumulative = [c / total for c in accumulate(weights)]
    cumulative[-1] = 1.0
    last = len(values) - 1

    def draw(rand, n, day):
        i = bisect_right(cumulative, rand())
        return values[i if i < last else last]

    return _draws(draw, 1)


_dates: dict[int, str] = {}


def _date_text(day: int) -> str:
    """The ISO date of a day counted from 1970-01-01."""
    text = _dates.get(day)
    if text is None:
        if len(_dates) > 100_000:
            _dates.clear()
        text = _dates[day] = _dt.date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
    return text


def _set_step(path: tuple, draw, present: float):
    if len(path) == 1:
        key = path[0]
        if present >= 1.0:

            def step(rand, data, n, day):
                data[key] = draw(rand, n, day)
        else:

            def step(rand, data, n, day):
                if rand() < present:
                    data[key] = draw(rand, n, day)

        return _draws(step, draw.draws + (present < 1.0))
    *parents, key = path

    def step(rand, data, n, day):
        if present < 1.0 and rand() >= present:
            return
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = draw(rand, n, day)

    return _draws(step, draw.draws + (present < 1.0))


def _group_step(weights: list[float], bodies: list[tuple]):
    pick = _categorical(list(range(len(bodies))), weights)
    bodies = tuple(bodies)

    def step(rand, data, n, day):
        for sub in bodies[pick(rand, n, day)]:
            sub(rand, data, n, day)

    return _draws(step, pick.draws + max(sum(sub.draws for sub in body) for body in bodies))


# ---------------------------------------------------------------- the model


class ResponseModel:
    """A loaded model file: synthetic contacts and their responses."""

    def __init__(self):
        self._steps: tuple = ()
        self._named = False
        self._arrivals: tuple = ()
        self._default: dict = {}
        self._channel: dict = {}
        self._content: dict = {}
        self._seg_channel: dict = {}
        self._seg_content: dict = {}
        self.segments: tuple = ()  # segments with response tables, in file order
        self._relevant: dict = {}
        self._resolved: dict = {}
        self._source: tuple = ("", {}, "")  # parse_responses' arguments, for pickling
        self._draws = 0  # the most uniforms contact() can take
        self._bytes = 0
        self._unpack = None

    def __reduce__(self):
        # The samplers are closures; a worker process re-reads the same text.
        return parse_responses, self._source

    # ------------------------------------------------------------ contacts

    def contact(self, index: int, seed: int, start: float) -> tuple[Contact, list[Event]]:
        """Contact `index` (from 0) of the cohort and its arrival events, sorted
        by time; from (seed, index) alone. `start` is the simulation's start,
        UTC epoch seconds."""
        rand = self._uniforms(seed, index)
        n = index + 1
        cid = f"cohort-{n:06d}"
        data = {"id": cid, "tags": [], "consent": []}
        if not self._named:
            data["name"] = f"Contact {n}"
        day = int(start // 86400)
        for step in self._steps:
            step(rand, data, n, day)
        events = []
        if self._arrivals:
            for p, after, within, name, arg in self._arrivals:
                if p >= 1.0 or rand() < p:
                    events.append(Event(start + after + rand() * within, name, arg))
            if len(events) > 1:
                events.sort(key=_at)
        return Contact(cid, data, data.get("timezone"), 0), events

    def _uniforms(self, seed: int, index: int):
        """A callable giving contact `index`'s uniform numbers in [0, 1), from
        (seed, index) alone: 32-bit numbers from SHAKE-128, which is cheaper
        than seeding a `random.Random` per contact."""
        raw = hashlib.shake_128(f"contact:{seed}:{index}".encode()).digest(self._bytes)
        return map(_SCALE, self._unpack(raw)).__next__

    def _prepare(self) -> None:
        self._draws = max(1, sum(step.draws for step in self._steps) + sum(1 + (p < 1.0) for p, *_ in self._arrivals))
        self._bytes = 4 * self._draws
        self._unpack = struct.Struct(f"<{self._draws}I").unpack

    # ------------------------------------------------------------ responses

    def params(self, touch: Touch, matched: tuple = ()) -> dict:
        """The response parameters for a touch to a contact in the `matched`
        segments (in this model's segment order): every key of RESPONSE_KEYS
        and `delay` (seconds)."""
        chain = [self._seg_content.get((s, touch.content)) for s in matched]
        chain.append(self._content.get(touch.content))
        chain.extend(self._seg_channel.get((s, touch.channel)) for s in matched)
        chain.append(self._channel.get(touch.channel))
        chain.append(self._default)
        chain = [t for t in chain if t]
        out = {}
        for key in RESPONSE_KEYS + ("delay",):
            out[key] = next((t[key] for t in chain if key in t), DEFAULT_DELAY if key == "delay" else 0.0)
        if touch.channel != "email":
            out["open"] = 1.0  # no open tracking: seen
        return out

    def _relevant_segments(self, channel: str, content: str | None) -> tuple:
        found = tuple(
            s for s in self.segments if (s, channel) in self._seg_channel or (s, content) in self._seg_content
        )
        self._relevant[(channel, content)] = found
        return found

    def _resolve(self, key: tuple, touch: Touch, matched: tuple) -> tuple:
        p = self.params(touch, matched)
        resolved = (
            touch.channel == "email",
            p["open"],
            p["click"],
            p["visit_pricing"],
            p["book_demo"],
            p["reply"],
            p["unsubscribe"],
            p["delay"],
        )
        self._resolved[key] = resolved
        return resolved

    def respond(
        self,
        contact: Contact,
        touch: Touch,
        at: float,
        rng: random.Random,
        in_segment: Callable[[str, Contact], bool] | None,
    ) -> list[Event]:
        """The events a delivered touch causes, sorted by time, all later than
        `at`. `rng` is the contact's `contact_rng(seed, contact.id)`;
        `in_segment(name, contact)` tells whether the contact is in a segment
        now (None: in none)."""
        channel, content = touch.channel, touch.content
        if channel == "ads" and touch.action == "remove":
            return []
        segs = self._relevant.get((channel, content))
        if segs is None:
            segs = self._relevant_segments(channel, content)
        matched = tuple(s for s in segs if in_segment(s, contact)) if segs and in_segment else ()
        key = (channel, content, matched)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolve(key, touch, matched)
        email, p_open, p_click, p_visit, p_book, p_reply, p_unsub, delay = resolved
        rand = rng.random
        log = math.log
        node = touch.node
        events = []
        base = at
        seen = True
        if email:
            seen = p_open > 0.0 and rand() < p_open
            if seen:
                base = at + 1.0 - delay * log(1.0 - rand())
                events.append(Event(base, "opened", node))
        if seen and p_click > 0.0 and rand() < p_click:
            clicked = base + 1.0 - delay * log(1.0 - rand())
            events.append(Event(clicked, "clicked", node))
            if p_visit > 0.0 and rand() < p_visit:
                events.append(Event(clicked + 1.0 - delay * log(1.0 - rand()), "visited", "pricing"))
            if p_book > 0.0 and rand() < p_book:
                events.append(Event(clicked + 1.0 - delay * log(1.0 - rand()), "booked", "demo"))
        if p_reply > 0.0 and rand() < p_reply:
            events.append(Event(at + 1.0 - delay * log(1.0 - rand()), "replied", node))
        if p_unsub > 0.0 and rand() < p_unsub:
            events.append(Event(at + 1.0 - delay * log(1.0 - rand()), "unsubscribed", None))
        if len(events) > 1:
            events.sort(key=_at)
        return events


def _at(event: Event) -> float:
    return event.at


# ---------------------------------------------------------------- loading


def parse_responses(text: str, ir: dict, path: str = "<string>") -> ResponseModel:
    """A model from TOML text; `path` names it in messages."""
    tomllib = _toml()
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise CohortError(f"{path}: nested too deeply (arrays or tables inside one another)") from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        at = _TOML_AT.search(message)
        if at:
            message = message[: at.start()]
            raise CohortError(f"{path}:{at.group(1)}:{at.group(2)}: not valid TOML: {message}") from None
        raise CohortError(f"{path}: not valid TOML: {message}") from None
    except ValueError:  # tomllib's int() of a number of more than 4,300 digits
        raise CohortError(f"{path}: not valid TOML: a number of more than 4,300 digits") from None
    model = _Reader(path, ir).read(data)
    model._source = (text, ir, path)
    return model


def load_responses(path: str, ir: dict) -> ResponseModel:
    """Read and check a model file against the compiled programme `ir`."""
    from ..files import UnreadableInput, read_input

    try:
        raw = read_input(path, MAX_FILE_BYTES, "response model")  # never open() a FIFO or read a device
    except UnreadableInput as error:
        raise CohortError(str(error)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CohortError(f"{path}: not valid UTF-8") from None
    return parse_responses(text, ir, str(path))
