"""A progress bar for long commands, fed with ``(done, total)`` callbacks.

On a terminal it redraws one line; in a log (no terminal) it writes a line every 10 %, so a
rebuild at start-up is visible in service logs too.
"""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.next_percent = 0

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        filled = WIDTH * percent // 100
        line = f"{self.label} [{'#' * filled}{'-' * (WIDTH - filled)}] {percent:3d}% ({done}/{total})"
        if self.stream.isatty():
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        elif percent >= self.next_percent or done >= total:
            self.stream.write(line + "\n")
            self.next_percent = percent - percent % 10 + 10
        self.stream.flush()
