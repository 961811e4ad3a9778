"""Playbooks that check clean, built from the constructs of docs/language.md
with random shapes and edge values (waits of 1m and 3650d, 1% split arms,
`at most 1`, deep nesting, gotos, flows that move contacts to each other),
so lint, compile, render and simulate see programmes nobody wrote by hand.
Mutating them (mutate.py) then gives near misses of valid programmes.
"""

from __future__ import annotations

import random

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVENTS = (
    "opened",
    "clicked",
    "replied",
    "booked",
    "visited",
    "downloaded",
    "attended",
    "registered",
    "submitted",
    "purchased",
    "bounced",
    "sent",
)
STRING_ATTRS = ("industry", "role", "title", "country", "source", "lifecycle_stage", "deal.stage", "company")
NUMBER_ATTRS = ("employees", "revenue", "deal.amount")


def _duration(rng: random.Random, short: bool = False) -> str:
    unit = rng.choice("mhdw")
    top = {"m": 600, "h": 200, "d": 30 if short else 400, "w": 20}[unit]
    if rng.random() < 0.05:
        return rng.choice(("1m", "3650d", "521w", "87600h", "5256000m"))
    return f"{rng.randint(1, top)}{unit}"


def _text(rng: random.Random) -> str:
    return rng.choice(
        (
            "Hello {name}",
            "A guide for {company}",
            "ünïcödé ✓ 日本語",
            "x",
            'Say \\"hi\\"',
            "Line\\nbreak",
            "{score} points",
            "50% off",
            "#hash not comment",
            "Tab\\there",
            "a " * 40,
        )
    )


class PlaybookGen:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.attrs: dict[str, str] = {}
        self.events: list[str] = []
        self.contents: dict[str, str] = {}  # name -> give|ask
        self.way_out: set[str] = set()
        self.segments: list[str] = []
        self.scores: dict[str, list[str]] = {}
        self.flows: list[str] = []
        self.lines: list = []
        self.pending_thresholds: list[tuple] = []

    # ------------------------------------------------------------ conditions

    def literal_for(self, kind: str) -> str:
        rng = self.rng
        if kind == "string":
            return rng.choice(('"SaaS"', '"CTO"', '"closed_lost"', '""', '"ü"', '"lead"'))
        if kind == "number":
            return rng.choice(("0", "50", "2.5", "-1", "5M", "2.5k", "999999999999999", "1000000000000000"))
        if kind == "duration":
            return _duration(rng)
        if kind == "date":
            return rng.choice(("2026-01-01", "2024-02-29", "1970-01-01", "2099-12-31"))
        return rng.choice(("true", "false"))

    def event_test(self) -> str:
        rng = self.rng
        event = rng.choice(EVENTS + tuple(self.events) + ("unsubscribed",))
        text = event
        choice = rng.random()
        if choice < 0.4 and event != "unsubscribed":
            if event in ("opened", "clicked", "sent", "replied") and self.contents and rng.random() < 0.5:
                text += f"({rng.choice(sorted(self.contents))})"
            else:
                text += rng.choice(('("demo")', '("pricing")', '("resource")', "(any)", '("")'))
        if rng.random() < 0.3:
            text += f" within {_duration(rng)}"
        if rng.random() < 0.2:
            text += f" count {rng.choice(('>=', '>', '==', '<', '!=', '<='))} {rng.choice((0, 1, 3, 1000))}"
        return text

    def test(self) -> str:
        rng = self.rng
        pick = rng.randrange(10)
        if pick == 0 and self.segments:
            return rng.choice(self.segments)
        if pick == 1:
            name = rng.choice(STRING_ATTRS)
            if rng.random() < 0.5:
                return f"{name} {rng.choice(('==', '!='))} {self.literal_for('string')}"
            values = ", ".join(self.literal_for("string") for _ in range(rng.randint(1, 4)))
            return f"{name} {rng.choice(('in', 'not in'))} [{values}]"
        if pick == 2:
            return f"{rng.choice(NUMBER_ATTRS)} {rng.choice(('==', '!=', '<', '<=', '>', '>='))} {self.literal_for('number')}"
        if pick == 3:
            return rng.choice(
                (
                    f'tagged "{rng.choice(("vip", "customer", "x y"))}"',
                    "has phone",
                    "has deal.amount",
                    f'consent("{rng.choice(("email", "sms", "phone", "linkedin", "ads"))}")',
                )
            )
        if pick == 4:
            return f"inactive for {_duration(rng)}"
        if pick == 5:
            return rng.choice(
                (
                    f"created_at >= {self.literal_for('date')}",
                    f"deal.closed_ago {rng.choice(('>', '<='))} {_duration(rng)}",
                )
            )
        if pick == 6 and self.attrs:
            name, kind = rng.choice(sorted(self.attrs.items()))
            if kind == "bool" and rng.random() < 0.5:
                return name
            ops = ("==", "!=") if kind in ("string", "bool") else ("==", "<", ">=")
            return f"{name} {rng.choice(ops)} {self.literal_for(kind)}"
        if pick == 7 and self.scores:
            score = rng.choice(sorted(self.scores))
            if self.scores[score] and rng.random() < 0.6:
                return f"{score}.{rng.choice(self.scores[score])}"
            return f"{score} {rng.choice(('>=', '<', '=='))} {rng.choice((0, 40, 1000))}"
        return self.event_test()

    def condition(self, depth: int = 0) -> str:
        rng = self.rng
        if depth > 3 or rng.random() < 0.5:
            return self.test()
        op = rng.choice(("and", "or", "not", "()"))
        if op == "not":
            return f"not {self.condition(depth + 1)}"
        if op == "()":
            return f"({self.condition(depth + 1)})"
        return f"{self.condition(depth + 1)} {op} {self.condition(depth + 1)}"

    # ---------------------------------------------------------- declarations

    def header(self) -> None:
        rng = self.rng
        if rng.random() < 0.7:
            items = [f"reviewed {rng.choice(('2026-11-02', '2020-01-01', '2099-01-01'))}"]
            if rng.random() < 0.5:
                items.append(f'owner "{_text(rng)}"')
            if rng.random() < 0.3:
                items.append('version "1.0"')
            self.lines.append(f'playbook "{_text(rng)}" {{ {"  ".join(items)} }}')

    def policy(self) -> None:
        rng = self.rng
        if rng.random() < 0.3:
            return
        items = []
        if rng.random() < 0.5:
            items.append(f"give_to_get {rng.randint(1, 5)}:{rng.randint(1, 3)}")
        if rng.random() < 0.5:
            low = rng.randint(1, 10)
            items.append(f"cadence {low}d..{low + rng.randint(0, 20)}d" if rng.random() < 0.7 else f"cadence {low}d")
        if rng.random() < 0.4:
            items.append(f"first_touch within {_duration(rng)}")
        if rng.random() < 0.4:
            items.append(f"max_touches {rng.randint(1, 30)}")
        if rng.random() < 0.4:
            items.append(f"frequency_cap {rng.randint(1, 10)} per {_duration(rng)}")
        if rng.random() < 0.4:
            a, b = rng.sample(range(24), 2)
            items.append(f"quiet_hours {a:02d}:{rng.choice(('00', '30', '59'))}..{b}:00")
        if rng.random() < 0.4:
            if rng.random() < 0.5:
                items.append(f"send_days {rng.choice(DAYS)}..{rng.choice(DAYS)}")
            else:
                items.append("send_days " + ", ".join(rng.sample(DAYS, rng.randint(1, 7))))
        if rng.random() < 0.5:
            items.append(f'timezone "{rng.choice(ZONES)}"')
        if rng.random() < 0.3:
            items.append("unsubscribe required")
        if rng.random() < 0.2:
            items.append(
                "messages "
                + ", ".join(
                    rng.sample(("email", "sms", "linkedin message", "ads add", "linkedin connect"), rng.randint(1, 3))
                )
            )
        self.lines.append("policy {\n  " + "\n  ".join(items) + "\n}")

    def vocabulary(self) -> None:
        rng = self.rng
        for i in range(rng.randint(0, 4)):
            kind = rng.choice(("string", "number", "duration", "date", "bool"))
            name = rng.choice((f"attr{i}", f"custom.attr{i}"))
            self.attrs[name] = kind
            self.lines.append(f"attribute {name}: {kind}")
        count = rng.randint(0, 3)
        if count:
            self.events = [f"ev_{i}" for i in range(count)]
            self.lines.append("event " + ", ".join(self.events))

    def contents_(self) -> None:
        rng = self.rng
        for i in range(rng.randint(2, 8)):
            kind = "give" if i % 2 == 0 or rng.random() < 0.5 else "ask"
            name = f"c_{i}"
            self.contents[name] = kind
            options = []
            for option in rng.sample(
                (
                    "stage",
                    "persona",
                    "gated",
                    "attached",
                    "url",
                    "subject",
                    "body",
                    "cta",
                    "unsubscribe",
                    "way",
                    "reviewed",
                ),
                rng.randint(0, 6),
            ):
                if option == "stage":
                    options.append(f"stage {rng.choice(('early', 'mid', 'late'))}")
                elif option == "persona":
                    options.append("persona technical")
                elif option in ("gated", "attached"):
                    options.append(option)
                elif option in ("url", "subject", "body", "cta"):
                    options.append(f'{option} "{_text(rng)}"')
                elif option == "unsubscribe":
                    options.append("unsubscribe link")
                elif option == "way" and kind == "ask":
                    options.append("way out")
                    self.way_out.add(name)
                elif option == "reviewed":
                    options.append("reviewed 2026-10-01")
            self.lines.append(f'content {name} {kind} "{_text(rng)}" ' + " ".join(options))

    def segments_(self) -> None:
        for i in range(self.rng.randint(0, 4)):
            condition = self.condition()
            self.segments.append(f"seg_{i}")
            self.lines.append(f"segment seg_{i} = {condition}")

    def scores_(self) -> None:
        rng = self.rng
        for i in range(rng.choice((0, 1, 1, 2))):
            name = f"sc_{i}"
            self.scores[name] = []
            items = []
            for _ in range(rng.randint(0, 3)):
                items.append(f"{rng.choice('+-')}{rng.randint(1, 50)} when {self.condition(2)}")
            for _ in range(rng.randint(1, 3)):
                rule = f"{rng.choice('+-')}{rng.randint(1, 50)} on {rng.choice(EVENTS)}"
                if rng.random() < 0.5:
                    rule += rng.choice(('("pricing")', "(any)", '("demo")'))
                for modifier in rng.sample(("decay", "expires", "most"), rng.randint(0, 3)):
                    rule += {
                        "decay": f" decay half_life {_duration(rng)}",
                        "expires": f" expires {_duration(rng)}",
                        "most": f" at most {rng.randint(1, 5)}",
                    }[modifier]
                items.append(rule)
            for t in range(rng.randint(0, 3)):
                threshold = f"th{t}"
                self.scores[name].append(threshold)
                self.pending_thresholds.append((name, threshold, rng.choice(("at", "above")), rng.randint(1, 120)))
            self.lines.append(("score", name, items))

    # ----------------------------------------------------------------- flows

    def touch(self, labels: list[str], flow_labels: set[str]) -> str:
        rng = self.rng
        label = ""
        if rng.random() < 0.5:
            label = f"s{len(flow_labels)}"
            flow_labels.add(label)
            labels.append(label)
            label += ": "
        content = rng.choice(sorted(self.contents))
        intent = f" as {self.contents[content]}" if rng.random() < 0.3 else ""
        pick = rng.randrange(8)
        if pick < 3:
            return f"email {label}{content}{intent}"
        if pick == 3:
            return f"sms {label}{content}{intent}"
        if pick == 4:
            return rng.choice(
                (
                    f"linkedin {label}follow",
                    f"linkedin {label}engage",
                    f"linkedin {label}connect",
                    f"linkedin {label}connect {content}{intent}",
                    f"linkedin {label}message {content}",
                )
            )
        if pick == 5:
            return rng.choice(
                (
                    f'ads {label}add "retargeting"',
                    f'ads {label}remove "x"',
                    f'ads {label}add "aud" with {content}{intent}',
                )
            )
        if pick == 6:
            return rng.choice((f'task {label}"{_text(rng)}"', f'task {label}"call" for sdr'))
        return rng.choice((f'notify {label}"{_text(rng)}"', f'notify {label}sdr "{_text(rng)}"'))

    def steps(self, depth: int, labels: list[str], flow_labels: set[str], budget: list[int]) -> list[str]:
        rng = self.rng
        out: list[str] = []
        for _ in range(rng.randint(0 if depth else 1, 6)):
            if budget[0] <= 0:
                break
            budget[0] -= 1
            pick = rng.randrange(20)
            if pick < 7:
                out.append(self.touch(labels, flow_labels))
            elif pick < 10:
                out.append(f"wait {_duration(rng, short=True)}")
            elif pick == 10 and depth < 5:
                upto = f" up to {_duration(rng, short=True)}" if rng.random() < 0.7 else ""
                arms = []
                if rng.random() < 0.6:
                    arms.append("on event { " + " ".join(self.steps(depth + 1, labels, flow_labels, budget)) + " }")
                if upto and rng.random() < 0.6:
                    arms.append("on timeout { " + " ".join(self.steps(depth + 1, labels, flow_labels, budget)) + " }")
                rng.shuffle(arms)
                block = (" { " + " ".join(arms) + " }") if arms else ""
                out.append(f"wait until {self.condition(2)}{upto}{block}")
            elif pick == 11 and depth < 5:
                arms = [
                    f"when {self.condition(2)} {{ {' '.join(self.steps(depth + 1, labels, flow_labels, budget))} }}"
                    for _ in range(rng.randint(1, 3))
                ]
                if rng.random() < 0.5:
                    arms.append(f"else {{ {' '.join(self.steps(depth + 1, labels, flow_labels, budget))} }}")
                out.append("branch { " + " ".join(arms) + " }")
            elif pick == 12 and depth < 5:
                count = rng.randint(1, 4)
                shares = [100 // count] * count
                shares[0] += 100 - sum(shares)
                if count == 2 and rng.random() < 0.3:
                    shares = [1, 99]
                arms = []
                for i, share in enumerate(shares):
                    name = f' "arm {i}"' if rng.random() < 0.5 else ""
                    arms.append(f"{share}%{name} {{ {' '.join(self.steps(depth + 1, labels, flow_labels, budget))} }}")
                out.append("split { " + " ".join(arms) + " }")
            elif pick == 13 and depth < 5:
                most = f" at most {rng.randint(1, 4)}" if rng.random() < 0.8 else ""
                out.append(
                    f"repeat every {_duration(rng, short=True)}{most} {{ "
                    + " ".join(self.steps(depth + 1, labels, flow_labels, budget))
                    + " }"
                )
            elif pick == 14 and labels:
                out.append(f"goto {rng.choice(labels)}")
            elif pick == 15:
                out.append(
                    rng.choice(
                        (
                            'tag "nurtured"',
                            'untag "cold"',
                            'set lifecycle_stage = "mql"',
                            "set deal.amount = 50k",
                            "set created_at = 2026-01-01",
                        )
                    )
                )
            elif pick == 16:
                out.append(
                    rng.choice(
                        (
                            f'suppress "cold" revisit {_duration(rng)}',
                            'suppress "never"',
                            "handoff sales",
                            'exit "done"',
                            "exit",
                        )
                    )
                )
                break
            elif pick == 17 and len(self.flows) > 1:
                out.append(f"move to {rng.choice(self.flows)}")
                break
            else:
                out.append(self.touch(labels, flow_labels))
        return out

    def flow(self, name: str) -> str:
        rng = self.rng
        items = []
        for _ in range(rng.randint(0, 2)):
            if rng.random() < 0.6:
                entry = f"entry on {rng.choice(('downloaded', 'attended', 'registered', 'visited'))}"
                entry += rng.choice(('("resource")', '("demo")', "", "(any)"))
                if rng.random() < 0.3:
                    entry += f" after {_duration(rng, short=True)}"
                if rng.random() < 0.4:
                    entry += f" when {self.condition(2)}"
            else:
                entry = f"entry when {self.condition(1)}"
            items.append(entry)
        if rng.random() < 0.3:
            items.append(f"audience {self.condition(2)}")
        if rng.random() < 0.6:
            items.append(f"goal {self.condition(2)}")
        if rng.random() < 0.8:
            items.append(
                "exit on " + ", ".join(["unsubscribed"] + [self.condition(3) for _ in range(rng.randint(0, 2))])
            )
        if rng.random() < 0.3:
            items.append(f"cadence {rng.randint(1, 5)}d..{rng.randint(6, 20)}d")
        if rng.random() < 0.2:
            items.append(f"max_touches {rng.randint(1, 20)}")
        if rng.random() < 0.2:
            items.append(rng.choice(("reentry allowed", f"reentry after {_duration(rng)}")))
        labels: list[str] = []
        body = self.steps(0, labels, set(), [rng.randint(3, 40)])
        rng.shuffle(items)
        title = f' "{_text(rng)}"' if rng.random() < 0.5 else ""
        return f"flow {name}{title} {{\n  " + "\n  ".join(items + body) + "\n}"

    def generate(self) -> str:
        rng = self.rng
        self.header()
        self.policy()
        self.vocabulary()
        self.contents_()
        self.segments_()
        self.flows = [f"f_{i}" for i in range(rng.randint(1, 4))]
        self.scores_()
        out = []
        for line in self.lines:
            if isinstance(line, tuple):
                _, name, items = line
                for score, threshold, op, value in self.pending_thresholds:
                    if score != name:
                        continue
                    actions = []
                    for action in rng.sample(("handoff", "notify", "move", "tag"), rng.randint(0, 2)):
                        actions.append(
                            {
                                "handoff": "handoff sales",
                                "notify": f'notify sdr "{_text(rng)}"',
                                "move": f"move to {rng.choice(self.flows)}",
                                "tag": 'tag "hot"',
                            }[action]
                        )
                    items.append(
                        f"threshold {threshold} {op} {value}" + (" -> " + " ".join(actions) if actions else "")
                    )
                out.append(f"score {name} {{\n  " + "\n  ".join(items) + "\n}")
            else:
                out.append(line)
        for name in self.flows:
            out.append(self.flow(name))
        return "\n".join(out) + "\n"


def playbook(rng: random.Random) -> str:
    return PlaybookGen(rng).generate()
