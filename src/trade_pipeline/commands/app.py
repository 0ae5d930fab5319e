"""The Typer app of ``trade-pipeline``: its ``--version`` and its commands.

Each command lives in :mod:`trade_pipeline.commands` and adds itself with ``register(app)``;
what they share (exit codes, options, where a command ending early becomes one line) is
:mod:`trade_pipeline.commands.common`. The console command is :func:`trade_pipeline.cli.run`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import (
    config_reference,
    cost,
    diagram,
    drill,
    preview,
    redrive,
    replay,
    send,
    status,
    verify,
)
from trade_pipeline.commands.common import CommandGroup

__all__ = ["app", "package_version"]

app = typer.Typer(
    cls=CommandGroup,
    help="Multi-region trading-event pipeline: offline preview and operator commands.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: typer's rich panels print a type for every option, `<bool>` on each flag
    # (--help included), which says nothing a flag does not; plain help keeps `<str>`/`<path>`.
    rich_markup_mode=None,
)


def package_version() -> str:
    """The installed distribution's version; from pyproject.toml when run from a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trade-pipeline")
    except PackageNotFoundError:  # `pulumi install` venvs run the program from src/
        import tomllib

        pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text())["project"]["version"])


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"trade-pipeline {package_version()}\n")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
            expose_value=False,
        ),
    ] = False,
) -> None:
    """Multi-region trading-event pipeline: offline preview and operator commands."""


# In the order `trade-pipeline --help` lists them.
for command in (
    preview,
    config_reference,
    cost,
    diagram,
    send,
    verify,
    redrive,
    replay,
    status,
    drill,
):
    command.register(app)
