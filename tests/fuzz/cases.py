"""Fuzz cases: each builder takes a `random.Random` and returns a `Case`
(files + a command line). The tests draw the Random from hypothesis;
bench/fuzz.py from a seed, for campaigns of any length.
"""

from __future__ import annotations

import random

from . import grammar_gen, inputs_gen, mutate, playbook_gen
from .harness import Case, Folder, Link, bundled_examples, bundled_playbooks

PROGRAMME = "playbooks/programme.nurture"
BUNDLED_FILES = (
    "programme",
    "inbound",
    "content",
    "policy",
    "scoring",
    "ghost-recovery",
    "archive",
    "reengagement",
    "surround-sound",
)
FLOWS = ("inbound", "ghost", "archive", "reengage", "surround")


def _lint_args(rng: random.Random, target: str) -> list[str]:
    args = ["lint", target, "--today", "2026-12-01"]
    if rng.random() < 0.6:
        args += ["--format", rng.choice(("text", "json", "sarif", "github"))]
    if rng.random() < 0.2:
        args += ["--fail-on", rng.choice(("error", "warning", "info"))]
    if rng.random() < 0.15:
        args += [
            rng.choice(("--select", "--ignore", "--extend-select")),
            rng.choice(("NUR3", "timing", "NUR901,NUR902", "ALL", "give-to-get")),
        ]
    if rng.random() < 0.1:
        args.append("-q")
    return args


def _render_args(rng: random.Random, target: str, flows: tuple[str, ...]) -> list[str]:
    args = ["render", target, "--format", rng.choice(("dot", "dot", "mermaid", "mermaid", "svg"))]
    if flows and rng.random() < 0.6:
        args += ["--flow", rng.choice(flows)]
    if rng.random() < 0.4:
        args.append("--lint")
    if rng.random() < 0.2:
        args.append("--no-legend")
    return args


def playbook_command(rng: random.Random, target: str, flows: tuple[str, ...] = ()) -> list[str]:
    """check, lint, compile or render of one playbook."""
    pick = rng.randrange(10)
    if pick < 3:
        return ["check", target] + (["-q"] if rng.random() < 0.2 else [])
    if pick < 5:
        return _lint_args(rng, target)
    if pick < 7:
        return ["compile", target]
    return _render_args(rng, target, flows)


# --------------------------------------------------------------- playbooks --


def grammar_case(rng: random.Random) -> Case:
    text = grammar_gen.playbook(rng)
    return Case(playbook_command(rng, "@p/a.nurture", ("x", "inbound")), {"p/a.nurture": text}, kind="grammar")


def near_miss_case(rng: random.Random) -> Case:
    text = grammar_gen.near_miss(rng)
    return Case(playbook_command(rng, "@p/a.nurture", ("x",)), {"p/a.nurture": text}, kind="near-miss")


def _generated_contacts(rng: random.Random, count: int) -> bytes:
    lines = ["id,name,industry,employees,revenue,timezone,consent,tags,phone,created_at,deal.stage,deal.closed_at"]
    for i in range(count):
        lines.append(
            ",".join(
                (
                    f"c{i}",
                    f"Contact {i}",
                    rng.choice(("SaaS", "Retail", "")),
                    rng.choice(("10", "120", "", "5000")),
                    rng.choice(("6000000", "", "5M")),
                    rng.choice(("", "Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham")),
                    rng.choice(("email", "email;sms", "", "email;sms;linkedin;ads")),
                    rng.choice(("", "vip", "customer")),
                    rng.choice(("", "+1 555 0100")),
                    rng.choice(("2025-06-01", "")),
                    rng.choice(("", "closed_lost")),
                    rng.choice(("", "2025-06-01")),
                )
            )
        )
    return ("\n".join(lines) + "\n").encode()


def _generated_events(rng: random.Random, count: int, contents: list[str]) -> bytes:
    lines = []
    for _ in range(rng.randint(0, 4 * count)):
        event = rng.choice(
            (
                "downloaded",
                "visited",
                "opened",
                "clicked",
                "replied",
                "booked",
                "attended",
                "registered",
                "unsubscribed",
                "submitted",
            )
        )
        arg = rng.choice(['"resource"', '"pricing"', '"demo"', '"webinar"'] + [f'"{c}"' for c in contents])
        args = "" if event in ("unsubscribed", "replied") and rng.random() < 0.7 else f', "args": [{arg}]'
        contact, month, day = rng.randrange(count), rng.randint(1, 3), rng.randint(1, 28)
        hour, minute = rng.randrange(24), rng.randrange(60)
        at = f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00Z"
        lines.append(f'{{"contact": "c{contact}", "at": "{at}", "event": "{event}"{args}}}')
    return ("\n".join(lines) + "\n").encode()


def _simulate_args(
    rng: random.Random, target: str, flows: tuple[str, ...], files: dict, count: int, contents: list[str]
) -> list[str]:
    if rng.random() < 0.6:
        files["in/contacts.csv"] = _generated_contacts(rng, count)
        args = ["simulate", target, "--contacts", "@in/contacts.csv"]
        if rng.random() < 0.8:
            files["in/events.jsonl"] = _generated_events(rng, count, contents)
            args += ["--events", "@in/events.jsonl"]
        else:
            args += ["--start", "2026-01-01"]
        if rng.random() < 0.2:
            args += ["--contact", f"c{rng.randrange(count)}"]
    else:
        files["in/model.toml"] = (
            bundled_examples()["examples/responses.toml"]
            if rng.random() < 0.3
            else b"[population]\nindustry = { values = { SaaS = 0.6, Retail = 0.4 } }\nemployees = { uniform = [1, 500] }\n"
            b'consent = { email = 1.0, sms = 0.5 }\n[[arrivals]]\nevent = "downloaded"\narg = "resource"\n'
            b'within = "30d"\n[responses.email]\nopen = 0.5\nclick = 0.3\nreply = 0.05\n'
        )
        args = [
            "simulate",
            target,
            "--cohort",
            str(rng.choice((1, 5, 20, 40))),
            "--responses",
            "@in/model.toml",
            "--seed",
            str(rng.randrange(100)),
            "--runs",
            str(rng.choice((1, 2, 5))),
        ]
        if rng.random() < 0.15:
            args += ["--contact", "cohort-000001"]
    if "--contact" not in args and rng.random() < 0.4:
        args += ["--format", "json"]
    if rng.random() < 0.2:
        args += ["--until", rng.choice(("2026-02-01", "2026-06-30T12:00:00+02:00", "2027-01-01"))]
    return args


def valid_case(rng: random.Random) -> Case:
    """A generated playbook that checks clean, through any command."""
    gen = playbook_gen.PlaybookGen(rng)
    text = gen.generate()
    files: dict = {"p/a.nurture": text}
    if rng.random() < 0.35:
        args = _simulate_args(rng, "@p/a.nurture", tuple(gen.flows), files, rng.randint(1, 12), sorted(gen.contents))
    else:
        args = playbook_command(rng, "@p/a.nurture", tuple(gen.flows))
    return Case(args, files, kind="valid")


def mutated_valid_case(rng: random.Random) -> Case:
    gen = playbook_gen.PlaybookGen(rng)
    data = mutate.mutate(rng, gen.generate().encode())
    return Case(playbook_command(rng, "@p/a.nurture", tuple(gen.flows)), {"p/a.nurture": data}, kind="mutated-valid")


def bundled_case(rng: random.Random) -> Case:
    """The bundled playbooks with one or two files mutated, through any command
    on the programme or on the mutated file."""
    files: dict = bundled_playbooks()
    changed = []
    for _ in range(rng.choice((1, 1, 2))):
        name = f"playbooks/{rng.choice(BUNDLED_FILES)}.nurture"
        files[name] = mutate.mutate(rng, files[name])
        changed.append(name)
    target = "@" + (PROGRAMME if rng.random() < 0.5 else rng.choice(changed))
    if rng.random() < 0.15:
        target = "@playbooks"
        args = rng.choice((["check", target], _lint_args(rng, target)))
    elif rng.random() < 0.25:
        files.update(bundled_examples())
        args = ["simulate", target, "--contacts", "@examples/contacts.csv", "--events", "@examples/events.jsonl"]
        if rng.random() < 0.3:
            args += ["--format", "json"]
    else:
        args = playbook_command(rng, target, FLOWS)
    return Case(args, files, kind="bundled")


# ---------------------------------------------------------- simulate inputs --


def _replay_files(rng: random.Random) -> dict:
    files: dict = bundled_playbooks()
    files.update(bundled_examples())
    return files


def sim_inputs_case(rng: random.Random) -> Case:
    """The bundled programme replayed or forecast with one input broken."""
    files = _replay_files(rng)
    contact_ids = [f"c{i}" for i in range(1, 13)]
    which = rng.randrange(9)
    args = ["simulate", "@" + PROGRAMME]
    if which < 6:
        contacts, events = "@examples/contacts.csv", "@examples/events.jsonl"
        if which == 0:
            files["in/contacts.csv"] = inputs_gen.contacts_csv(rng)
            contacts = "@in/contacts.csv"
        elif which == 1:
            files["in/contacts.jsonl"] = inputs_gen.contacts_jsonl(rng)
            contacts = "@in/contacts.jsonl"
        elif which == 2:
            files["in/events.jsonl"] = inputs_gen.events_jsonl(rng, contact_ids)
            events = "@in/events.jsonl"
        elif which == 3:
            files["in/events.csv"] = inputs_gen.events_csv(rng, contact_ids)
            events = "@in/events.csv"
        elif which == 4:
            name = rng.choice(("contacts.csv", "contacts.jsonl", "events.jsonl", "events.csv", "hubspot-contacts.csv"))
            files[f"in/{name}"] = mutate.mutate(rng, files[f"examples/{name}"])
            if name.startswith("events"):
                events = f"@in/{name}"
            else:
                contacts = f"@in/{name}"
        else:
            contacts = "@examples/hubspot-contacts.csv"
            events = None
            if rng.random() < 0.5:
                files["in/map.toml"] = (
                    inputs_gen.map_toml(rng)
                    if rng.random() < 0.6
                    else mutate.mutate(rng, files["examples/hubspot-map.toml"])
                )
                args += ["--map", "@in/map.toml"]
            else:
                for pair in inputs_gen.mapping_pairs(rng):
                    args += ["--map", pair]
            args += ["--start", "2026-01-05"]
        args += ["--contacts", contacts]
        if events is not None:
            args += ["--events", events]
        if rng.random() < 0.3:
            args.append("--skip-bad-rows")
        if rng.random() < 0.15:
            args += ["--contact", rng.choice(inputs_gen.IDS)]
    else:
        if which == 6:
            files["in/model.toml"] = inputs_gen.responses_toml(rng)
        else:
            files["in/model.toml"] = mutate.mutate(rng, files["examples/responses.toml"])
        args += [
            "--cohort",
            str(rng.choice((1, 3, 10, 30))),
            "--responses",
            "@in/model.toml",
            "--runs",
            str(rng.choice((1, 2, 3))),
            "--seed",
            str(rng.randrange(1000)),
        ]
        if rng.random() < 0.15:
            args += ["--contact", rng.choice(("cohort-000001", "cohort-000002", "cohort-²"))]
    if "--contact" not in args:
        if rng.random() < 0.4:
            args += ["--format", "json"]
        if rng.random() < 0.25:
            args += ["--trace", "@out/trace.jsonl"]
            files["out"] = Folder()
    return Case(args, files, outputs=("out/trace.jsonl",), kind="sim-inputs")


# ------------------------------------------------------------- lint configs --


def config_case(rng: random.Random) -> Case:
    """The bundled playbooks linted (or rendered with --lint) under a config
    file of any shape, found by walking up or named with --config."""
    files: dict = bundled_playbooks()
    name, data = inputs_gen.lint_config(rng)
    if rng.random() < 0.15:
        data = mutate.mutate(rng, data)
    folder = rng.choice(("", "", "playbooks/"))
    files[folder + name] = data
    target = rng.choice(("@playbooks", "@" + PROGRAMME, "@playbooks/inbound.nurture"))
    if rng.random() < 0.2:
        args = ["render", "@" + PROGRAMME, "--lint", "--format", rng.choice(("dot", "mermaid"))]
        if rng.random() < 0.5:
            args += ["--flow", rng.choice(FLOWS)]
    else:
        args = _lint_args(rng, target)
        if rng.random() < 0.2:
            args += ["--config", "@" + folder + name]
    return Case(args, files, kind="config")


# ------------------------------------------------------------ option values --


def options_case(rng: random.Random) -> Case:
    """Any command with option values drawn from dates, numbers and ids that
    are wrong, at the edges, or out of Python's range."""
    files = _replay_files(rng)
    pick = rng.randrange(6)
    if pick < 3:
        args = ["simulate", "@" + PROGRAMME]
        if rng.random() < 0.5:
            args += ["--contacts", "@examples/contacts.csv"]
            if rng.random() < 0.7:
                args += ["--events", "@examples/events.jsonl"]
        else:
            args += ["--cohort", rng.choice(inputs_gen.COHORTS), "--responses", "@examples/responses.toml"]
            if rng.random() < 0.5:
                args += ["--runs", rng.choice(inputs_gen.RUNS)]
        for option, values in (
            ("--start", inputs_gen.START_DATES),
            ("--until", inputs_gen.START_DATES),
            ("--seed", inputs_gen.SEEDS),
            ("--contact", inputs_gen.CONTACT_IDS),
        ):
            if rng.random() < 0.4:
                args += [option, rng.choice(values)]
        if rng.random() < 0.08:
            args += ["--workers", rng.choice(inputs_gen.WORKERS)]
        if rng.random() < 0.3 and "--contact" not in args:
            args += ["--format", "json"]
    elif pick == 3:
        args = ["lint", "@playbooks", "--today", rng.choice(inputs_gen.TODAYS)]
        for option in ("--select", "--ignore", "--extend-select"):
            if rng.random() < 0.3:
                args += [option, rng.choice(inputs_gen.SELECTORS + ("NUR3,,NUR2", ",", "NUR301, NUR302"))]
    elif pick == 4:
        args = [
            "render",
            "@" + PROGRAMME,
            "--flow",
            rng.choice(FLOWS + ("", "nosuch", "inbund", "INBOUND", "x" * 300)),
            "--format",
            rng.choice(("dot", "mermaid")),
        ]
        if rng.random() < 0.3:
            args += ["--sim", rng.choice(("@examples/contacts.csv", "@examples/responses.toml", "@nosuch.json"))]
    else:
        args = [
            "rules",
            rng.choice(
                (
                    "NUR301",
                    "nur301",
                    "ask-before-gives",
                    "NUR3",
                    "nosuch",
                    "",
                    "NUR99999",
                    "x" * 1000,
                    "ask-befor-gives",
                    "NÜR301",
                )
            ),
        ]
        if rng.random() < 0.5:
            args += ["--format", rng.choice(("text", "json", "markdown"))]
    return Case(args, files, kind="options")


# ------------------------------------------------------------- output paths --


def _strip_output(args: list[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("-o", "--output"):
            skip = True
            continue
        out.append(arg)
    return out


def command_with_inputs(rng: random.Random) -> tuple[list[str], dict, list[str]]:
    """(command line without -o, files, the case files it reads)."""
    files = _replay_files(rng)
    pick = rng.randrange(7)
    playbooks = [f"playbooks/{n}.nurture" for n in BUNDLED_FILES]
    if pick == 0:
        return ["compile", "@" + PROGRAMME], files, playbooks
    if pick == 1:
        files["nurturedsl.toml"] = b'ignore = ["NUR704"]\n'
        return (
            [
                "lint",
                "@" + PROGRAMME,
                "--today",
                "2026-12-01",
                "--format",
                rng.choice(("json", "sarif", "text")),
                "--config",
                "@nurturedsl.toml",
            ],
            files,
            playbooks + ["nurturedsl.toml"],
        )
    if pick == 2:
        return (
            ["render", "@" + PROGRAMME, "--format", rng.choice(("dot", "mermaid"))]
            + (["--flow", "inbound"] if rng.random() < 0.5 else []),
            files,
            playbooks,
        )
    if pick == 3:
        return ["schema"], files, []
    if pick == 4:
        return ["rules", "--format", rng.choice(("json", "markdown", "text"))], files, []
    if pick == 5:
        return (
            [
                "simulate",
                "@" + PROGRAMME,
                "--contacts",
                "@examples/contacts.csv",
                "--events",
                "@examples/events.jsonl",
                "--format",
                "json",
            ],
            files,
            playbooks + ["examples/contacts.csv", "examples/events.jsonl"],
        )
    return (
        ["simulate", "@" + PROGRAMME, "--cohort", "10", "--responses", "@examples/responses.toml", "--runs", "2"],
        files,
        playbooks + ["examples/responses.toml"],
    )


def output_target(rng: random.Random, files: dict, inputs: list[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(the -o argument, outputs the command may create, existing files it may replace)."""
    pick = rng.randrange(10)
    if pick == 0 and inputs:
        return "@" + rng.choice(inputs), (), ()
    if pick == 1:
        files["out"] = Folder()
        return "@out", (), ()
    if pick == 2 and inputs:
        files["link.out"] = Link(rng.choice(inputs))
        return "@link.out", (), ()
    if pick == 3:
        files["dangling.out"] = Link("nowhere/file")
        return "@dangling.out", (), ()
    if pick == 4:
        return "@missing/folder/out.txt", (), ()
    if pick == 5:
        files["old.out"] = b"an older report\n"
        return "@old.out", (), ("old.out",)
    if pick == 6:
        files["linked"] = Folder()
        files["to-folder"] = Link("linked")
        return "@to-folder/out.txt", ("linked/out.txt",), ()
    if pick == 7:
        name = rng.choice(
            ("with space.out", "hash#name.out", "per%cent.out", "colon:name.out", "ünï.out", "-dash.out", ".hidden.out")
        )
        return "@" + name, (name,), ()
    if pick == 8:
        return "-", (), ()
    return "@new.out", ("new.out",), ()


def output_case(rng: random.Random) -> Case:
    args, files, inputs = command_with_inputs(rng)
    if args[0] == "simulate" and rng.random() < 0.4:
        target, outputs, replaceable = output_target(rng, files, inputs)
        trace_args = ["--trace", target]
        if rng.random() < 0.3:
            trace_args += ["--workers", "2"]
        return Case(
            args + trace_args, files, outputs=tuple(o for o in outputs), replaceable=replaceable, kind="output-trace"
        )
    target, outputs, replaceable = output_target(rng, files, inputs)
    return Case(args + ["-o", target], files, outputs=outputs, replaceable=replaceable, twin=list(args), kind="output")


BUILDERS = {
    "grammar": grammar_case,
    "near-miss": near_miss_case,
    "valid": valid_case,
    "mutated-valid": mutated_valid_case,
    "bundled": bundled_case,
    "sim-inputs": sim_inputs_case,
    "config": config_case,
    "options": options_case,
    "output": output_case,
}
