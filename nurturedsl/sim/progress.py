"""The progress bar of a long `simulate` on a terminal: contacts done, the
rate, the time left.

It writes to stderr only (the report's bytes never depend on it) and only
when asked: `simulate` asks when stderr is a terminal, or with --progress.
On a terminal it shows up once a pass has run for `delay` seconds, so a
quick run writes nothing. The clock is a parameter so that tests draw the
bar at chosen moments instead of waiting for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 24  # characters of the bar itself
EVERY = 0.1  # seconds between two drawings


class Progress:
    """One pass over `total` contacts; `label` says which pass."""

    def __init__(
        self,
        stream: TextIO,
        total: int,
        label: str = "simulating",
        delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.delay = delay
        self.clock = clock
        self.done = 0
        self.began = clock()
        self.drawn_at: float | None = None  # None: nothing drawn yet
        self.drawn_done = 0  # contacts done when it was last drawn
        self.width = 0  # of the last line drawn, to blank what a shorter one leaves

    def update(self, count: int = 1) -> None:
        """`count` more contacts are done."""
        self.show(self.done + count)

    def show(self, done: int) -> None:
        """`done` contacts are done (workers report a running total)."""
        self.done = done
        now = self.clock()
        if self.drawn_at is None:
            if now - self.began < self.delay:
                return
        elif now - self.drawn_at < EVERY and not (done >= self.total > self.drawn_done):
            return  # drawn a moment ago; but the end is drawn when it comes
        self._draw(now)

    def finish(self) -> None:
        """End the line the bar was drawn on, with the final figures."""
        if self.drawn_at is None:
            return  # never shown: a quick run leaves nothing behind
        self._draw(self.clock())
        self.stream.write("\n")
        self.stream.flush()

    def line(self, now: float) -> str:
        done, total = self.done, self.total
        share = done / total if total else 1.0
        filled = min(WIDTH, int(share * WIDTH))
        bar = "#" * filled + "-" * (WIDTH - filled)
        elapsed = now - self.began
        rate = done / elapsed if elapsed > 0 else 0.0
        if done >= total:
            left = f"took {clock_time(elapsed)}"
        elif rate > 0:
            left = f"ETA {clock_time((total - done) / rate)}"
        else:
            left = "ETA -"
        return f"{self.label} [{bar}] {done:,}/{total:,} contacts  {rate:,.0f}/s  {left}"

    def _draw(self, now: float) -> None:
        text = self.line(now)
        self.stream.write("\r" + text + " " * max(0, self.width - len(text)))
        self.stream.flush()
        self.width = len(text)
        self.drawn_at = now
        self.drawn_done = self.done


def clock_time(seconds: float) -> str:
    """3:07, or 1:02:03 past an hour."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
