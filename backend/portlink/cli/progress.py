"""What the CLI shows while it works: logging levels, and the progress of long work (a bar that redraws itself on
a terminal, a log line every few seconds anywhere else, so that a CI log or ``make run > file`` stays readable)."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("portlink.progress")

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(*, verbose: bool) -> None:
    """PortLink's own messages at INFO; libraries' (Alembic, uvicorn, web3) only at WARNING unless ``verbose``."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("portlink").setLevel(logging.DEBUG if verbose else logging.INFO)


class Progress:
    """Progress of ``label`` towards ``total`` ``unit`` (the total may grow, e.g. while the chain grows)."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        unit: str,
        stream: TextIO | None = None,
        interval: float = 10.0,
        width: int = 30,
    ) -> None:
        self.label, self.total, self.unit = label, max(total, 0), unit
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty()
        self.interval, self.width = interval, width
        self.done = 0
        self.started = time.monotonic()
        self._last_line = float("-inf")
        self._logged: tuple[int, int] | None = None
        self._drawn = False
        self.note = ""

    def update(self, done: int, total: int | None = None, *, note: str = "") -> None:
        """``done`` units of ``total`` (unchanged if not given); ``note`` says what was just done."""
        self.done, self.note = done, note
        if total is not None:
            self.total = total
        self.total = max(self.total, self.done)
        self._show()

    def advance(self, units: int, *, note: str = "") -> None:
        """``units`` more done."""
        self.update(self.done + units, note=note)

    def _fraction(self) -> float:
        return 1.0 if self.total == 0 else self.done / self.total

    def _text(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = f", {self.done / elapsed:,.0f} {self.unit}/s" if elapsed >= 1 and self.done else ""
        note = f": {self.note}" if self.note else ""
        return f"{self.label}: {self.done:,} of {self.total:,} {self.unit} ({self._fraction():.0%}{rate}){note}"

    def _show(self, *, force: bool = False) -> None:
        if self.terminal:
            filled = int(self.width * self._fraction())
            bar = "#" * filled + "-" * (self.width - filled)
            share = f"{self._fraction():4.0%}"
            self.stream.write(f"\r{self.label} [{bar}] {share} {self.done:,}/{self.total:,} {self.unit}")
            self.stream.flush()
            self._drawn = True
            return
        now = time.monotonic()
        if (force or now - self._last_line >= self.interval) and self._logged != (self.done, self.total):
            self._last_line, self._logged = now, (self.done, self.total)
            log.info("%s", self._text())

    def close(self) -> None:
        """The final state: the bar's line ended, or a last log line."""
        if self.terminal:
            if self._drawn:
                self.stream.write("\n")
                self.stream.flush()
            return
        self._show(force=True)

    def __enter__(self) -> Progress:
        self._show(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
