"""The ``trade-pipeline`` console command: :func:`run`; the Typer app is :data:`app`.

This module imports nothing heavy of its own: the app (typer, rich, every command's module)
is loaded inside :func:`run`, so that Ctrl-C while it loads ends like an interrupt anywhere
else, ``interrupted`` and exit 130, not a traceback. ``app`` and ``package_version`` are
:mod:`trade_pipeline.commands.app`'s, loaded when first asked for.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trade_pipeline.commands.app import app, package_version

__all__ = ["app", "package_version", "run"]

_EXIT_INTERRUPTED = 130
"""``commands.common.EXIT_INTERRUPTED``, which cannot be imported before the app is loaded."""


def __getattr__(name: str) -> Any:
    if name in ("app", "package_version"):
        from trade_pipeline.commands import app as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _end(code: int) -> None:
    """End at once, streams flushed, without the interpreter's teardown (see :func:`run`)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run() -> None:
    """The ``trade-pipeline`` console command: the app, and on an error exit no teardown.

    A command that stops early has already printed its one line (the app's command group
    decides it: :class:`~trade_pipeline.commands.common.CommandGroup`). The interpreter's
    teardown would then collect the offline preview's event loop (Pulumi's mocks run on it)
    after its sockets, and asyncio can print ``Exception ignored in BaseEventLoop.__del__``
    with a traceback under that line, at random. After an error there is nothing left to clean
    up, so the process ends at once, with the streams flushed.
    """
    try:
        from trade_pipeline.commands.app import app as loaded

        loaded()
    except KeyboardInterrupt:  # while the app loads, before its command group is running
        sys.stderr.write("interrupted\n")
        _end(_EXIT_INTERRUPTED)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if code == 0:
            raise
        _end(code)


if __name__ == "__main__":
    run()
