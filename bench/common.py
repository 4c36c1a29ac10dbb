"""What the benchmarks share: a throwaway Anvil, and writing one section of docs/benchmarks.md."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portlink.chain.devnode import DevNode  # noqa: E402

from tests.indexer import postgres  # noqa: E402


def dev_node(folder: Path) -> DevNode:
    """An Anvil (not started) on a free port, its state and log in ``folder``."""
    return DevNode(
        "anvil",
        host="127.0.0.1",
        port=postgres.free_port(),
        chain_id=31337,
        state_path=folder / "anvil-state.json",
        log_path=folder / "anvil.log",
    )


def replace_section(path: Path, begin: str, end: str, section: str) -> None:
    """Put ``section`` (which starts with ``begin`` and ends with ``end``) in the report at ``path``, in place of
    the one there, or at its end."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
