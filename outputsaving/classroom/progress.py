"""The progress of a class being graded: tqdm's bar, with a log line per submission.

On a terminal the bar is redrawn in place below the log lines; elsewhere (a
log file, CI) a bar line is printed after each submission's log line, so the
log reads well as plain text. ``bar=False`` is the quiet mode: log lines only.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

__all__ = ["Progress"]

#: done/total, percentage, elapsed and estimated time left.
BAR_FORMAT = (
    "[{bar:30}] {n_fmt}/{total_fmt} {percentage:3.0f}%  "
    "elapsed {elapsed}  ETA {remaining}"
)


class _Bar(tqdm):
    """tqdm's bar without its monitor thread.

    The monitor redraws a quiet bar from its own thread; a worker forked while
    it writes would inherit the stream's lock, held forever (see
    :data:`outputsaving.classroom.pool.FORK_GATE`). Only the grader's main
    thread draws.
    """

    monitor_interval = 0


class Progress:
    """Counts finished submissions, with an ETA, on ``stream`` (standard error)."""

    def __init__(
        self, total: int, *, stream: TextIO | None = None, bar: bool = True
    ) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.bar = bar
        self.start = time.monotonic()
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._live = None
        if bar and tty:
            self._live = _Bar(
                total=total,
                file=self.stream,
                bar_format=BAR_FORMAT,
                ascii=" #",
                dynamic_ncols=True,
            )

    def line(self) -> str:
        """The bar: ``[#####-----] 5/10  50%  elapsed 00:12  ETA 00:12``."""
        return tqdm.format_meter(
            self.done,
            self.total,
            time.monotonic() - self.start,
            bar_format=BAR_FORMAT,
            ascii=" #",
        )

    def log(self, text: str) -> None:
        """Print a log line (above the bar on a terminal)."""
        if self._live is not None:
            self._live.write(text, file=self.stream)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def advance(self, text: str | None = None) -> None:
        """One more submission finished; log its line and move the bar."""
        self.done += 1
        if text is not None:
            self.log(text)
        if self._live is not None:
            self._live.update(1)
            if self.done >= self.total:
                self._live.close()
        elif self.bar:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar on a terminal (when fewer submissions finished)."""
        if self._live is not None:
            self._live.close()
