"""Run a module in a child process at an instant of the test's choosing, its clock ticking from there.

    python tests/pinned.py 2026-12-01T10:00:00+08:00 -m listening worker

Tests start the app, the worker and the command line this way (`pinned_command`), so a child process reads the
same clock as the test that started it, never the wall clock.
"""

from __future__ import annotations

import runpy
import sys
from datetime import UTC, datetime
from pathlib import Path

import time_machine

PINNED = Path(__file__).resolve()


def pinned_command(*module_and_args: str) -> list[str]:
    """[python, this file, the test's current instant, -m, module, args...]"""
    return [sys.executable, str(PINNED), datetime.now(UTC).isoformat(), "-m", *module_and_args]


def main() -> None:
    at, flag, module, *args = sys.argv[1:]
    if flag != "-m":
        raise SystemExit("usage: pinned.py INSTANT -m MODULE [ARGS...]")
    sys.argv = [module, *args]
    sys.path.insert(0, str(PINNED.parent.parent))
    with time_machine.travel(datetime.fromisoformat(at), tick=True):
        runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
