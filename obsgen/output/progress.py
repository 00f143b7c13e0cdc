"""Progress of a long run, on stderr so that stdout stays the stable summary: a bar naming the
current stage on a terminal, one plain line per stage (with the time elapsed) otherwise, as in a
CI log."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import click


class Progress:
    def __init__(self, stages: int, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.stages = stages
        self.started = time.monotonic()
        self.bar = None
        self.count = 0

    def __enter__(self) -> Progress:
        if self.stream.isatty():
            self.bar = click.progressbar(length=self.stages, label="obsgen", file=self.stream, show_eta=False,
                                         show_percent=False, show_pos=True, item_show_func=lambda s: s)
            self.bar.__enter__()
        return self

    def step(self, label: str) -> None:
        """A stage begins (the previous one is over)."""
        if self.bar is not None and self.count:
            self.bar.update(1, label)
        elif self.bar is not None:  # update(0) would not redraw: show the first stage's name now
            self.bar.current_item = label
            self.bar.render_progress()
        else:
            click.echo(f"[{time.monotonic() - self.started:5.1f}s] {label}", file=self.stream)
        self.count += 1

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            if exc[0] is None:
                self.bar.update(self.stages - self.bar.pos, "done")
            self.bar.__exit__(*exc)
