"""Experiments and splits side by side (issue 15): per arm the entries, the
goal rate with its Wilson interval and the unsubscribes; the best arm's lead
over the next with Newcombe's interval, and the verdict."""

from __future__ import annotations

from nurturedsl.sim.nodes import stable_fraction

from .test_sim_funnel import moment, simulate

SPLIT = """
content a give "Short"
content b give "Long"
flow f {
  entry on registered("webinar")
  goal booked("demo")
  exit on unsubscribed
  split {
    50% "A" { email short: a }
    50% "B" { email long: b }
  }
  wait 5d
}
"""


def arms(count: int) -> tuple[list[str], list[str]]:
    """`count` contacts of each arm: a contact's arm is fixed by its id
    (the same in every run and process)."""
    a: list[str] = []
    b: list[str] = []
    index = 0
    while len(a) < count or len(b) < count:
        name = f"c{index}"
        index += 1
        side = a if stable_fraction(name, "f", "split_1") < 0.5 else b
        if len(side) < count:
            side.append(name)
    return a, b


def run_split(tmp_path, booked_a: int, booked_b: int, unsubscribed_a: int = 0, fmt: str = "json"):
    a, b = arms(10)
    events = [(c, moment(0), "registered", "webinar") for c in a + b]
    events += [(c, moment(1), "booked", "demo") for c in a[:booked_a] + b[:booked_b]]
    events += [(c, moment(2), "unsubscribed", None) for c in a[-unsubscribed_a:]] if unsubscribed_a else []
    return simulate(tmp_path, SPLIT, a + b, sorted(events, key=lambda e: e[1]), fmt=fmt)


def test_arms_side_by_side_with_newcombes_interval_and_a_leader(tmp_path):
    split = run_split(tmp_path, booked_a=3, booked_b=9, unsubscribed_a=2)["splits"]["f.split_1"]
    assert split["kind"] == "split"
    a, b = split["arms"]
    assert (a["arm"], a["entered"], a["goal_attributed"], a["rate"], a["unsubscribes"]) == ("A", 10, 3, 0.3, 2)
    assert (b["arm"], b["entered"], b["goal_attributed"], b["rate"], b["unsubscribes"]) == ("B", 10, 9, 0.9, 0)
    # Wilson 9/10: 0.5958-0.9821; Newcombe 9/10 - 3/10 (his Table II, example b): 0.1705-0.8090
    assert b["rate_interval"] == [0.5958, 0.9821]
    assert split["difference"] == {"between": ["B", "A"], "value": 0.6, "interval": [0.1705, 0.809]}
    # the interval excludes 0: B leads, but a plain split decides nothing
    assert (split["winner"], split["decided"]) == ("B", False)


def test_a_difference_whose_interval_holds_0_is_no_clear_winner(tmp_path):
    report = run_split(tmp_path, booked_a=4, booked_b=5)
    split = report["splits"]["f.split_1"]
    assert split["difference"]["between"] == ["B", "A"] and split["difference"]["value"] == 0.1
    assert split["difference"]["interval"][0] < 0 < split["difference"]["interval"][1]
    assert split["winner"] is None
    paths = report["flows"]["f"]["paths"]
    assert [(p["path"], p["runs"], p["goal_attributed"]) for p in paths] == [
        (["split_1:A"], 10, 4),
        (["split_1:B"], 10, 5),
    ]


def test_the_text_puts_the_arms_side_by_side(tmp_path):
    text = run_split(tmp_path, booked_a=3, booked_b=9, unsubscribed_a=2, fmt="text")
    section = text.split("Experiments and splits\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        "  f.split_1 (split)",
        "    arm   entered    goal  rate [95%]              unsubscribed",
        "    A          10       3  30.0% [10.8–60.3%]      2",
        "    B          10       9  90.0% [59.6–98.2%]      0",
        '    "B" − "A": +60.0 points [+17.1, +80.9]',
        '    "B" leads, interval excludes 0',
    ]


def _decided(counts: list[tuple[int, int]], winner: str, end: tuple[str, str, float, float]) -> tuple[dict, dict]:
    """A split member and its experiment as the report writes them: one run
    decided for `winner` on `counts` (reached, counted) per arm "short",
    "long"; at the end `end` = (leader, second, low, high) of the difference."""
    names = ["short", "long"]
    run = {
        "decided_at": "2026-01-08T14:00:00Z",
        "winner": winner,
        "arms": [
            {"arm": n, "reached": r, "counted": c, "rate": r / c if c else None} for n, (r, c) in zip(names, counts)
        ],
    }
    split = {
        "kind": "experiment",
        "winner": winner,
        "decided": True,
        "difference": {"between": [end[0], end[1]], "value": 0.171, "interval": [end[2], end[3]]},
    }
    return split, {"rule": "decide after 2 per arm", "runs": [run]}


def test_the_verdict_says_what_a_decision_rests_on_and_that_later_figures_differ():
    from nurturedsl.sim.report import verdict_words

    # decided on a 1/2 vs 1/2 tie (the first arm wins it); at the end "long" leads, interval holds 0
    split, exp = _decided([(1, 2), (1, 2)], "short", ("long", "short", -0.318, 0.562))
    assert verdict_words(split, exp) == (
        'winner "short", decided 2026-01-08 on 1/2 vs 1/2 (a tie: the first arm); since then "long" leads, '
        "not significant"
    )
    # a clear decision, and the end agrees: nothing more to say
    split, exp = _decided([(2, 2), (0, 2)], "short", ("short", "long", 0.1, 0.9))
    assert verdict_words(split, exp) == 'winner "short", decided 2026-01-08 on 2/2 vs 0/2'
    # the end puts the other arm first, clearly
    split, exp = _decided([(2, 2), (1, 2)], "short", ("long", "short", 0.05, 0.7))
    assert verdict_words(split, exp).endswith('; since then "long" leads, significant')


def test_the_other_figures_words():
    from nurturedsl.sim.report import bucket_words, reason_words, step_words

    assert bucket_words({"from_days": 1, "to_days": 3}) == "1–3d"
    assert bucket_words({"from_days": 365, "to_days": None}) == "365d+"
    assert reason_words("quiet_hours") == "quiet hours"
    assert step_words({"label": 'email "Welcome"', "kind": "email", "step": "welcome"}) == '"Welcome" email (welcome)'
