"""What every operator command shares: where the stack is, output as tables or JSON, exit codes.

Exit codes: 0 everything asked for succeeded; 1 something did not (failed entries, a timeout,
a firing alarm...); 2 bad input (options, outputs file, events file), one line on stderr.
Progress bars go to stderr, so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import OutputsError, StackOutputs, load_outputs

__all__ = [
    "EXIT_FAILED",
    "EXIT_USAGE",
    "JsonOption",
    "OutputsOption",
    "ProjectDirOption",
    "StackOption",
    "clients",
    "emit_json",
    "help_text",
    "progress",
    "stack_outputs",
    "stdout",
    "usage_error",
]

EXIT_FAILED = 1
EXIT_USAGE = 2

OutputsOption = Annotated[
    Path | None,
    typer.Option(
        "--outputs",
        help="JSON of `pulumi stack output --json` for the deployed stack.",
        dir_okay=False,
    ),
]
StackOption = Annotated[
    str | None,
    typer.Option(
        "--stack",
        help="Read the outputs of this stack with Pulumi's Automation API (needs the CLI).",
    ),
]
ProjectDirOption = Annotated[
    Path, typer.Option("--project-dir", help="Folder of Pulumi.yaml (with --stack).")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]


def help_text(docstring: str | None) -> str:
    """A command's docstring as its ``--help``: paragraphs reflowed (the terminal wraps them)
    and rich markup escaped (``botocore[crt]`` must print as written)."""
    paragraphs = inspect.cleandoc(docstring or "").split("\n\n")
    return "\n\n".join(escape(" ".join(p.split())) for p in paragraphs)


def usage_error(message: str) -> typer.Exit:
    """Write one line to stderr; return the exit to raise (code 2)."""
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(EXIT_USAGE)


def stack_outputs(outputs: Path | None, stack: str | None, project_dir: Path) -> StackOutputs:
    try:
        return load_outputs(outputs, stack, project_dir)
    except OutputsError as error:
        raise usage_error(str(error)) from None


def clients() -> Clients:
    """boto3's default chain: AWS_PROFILE, AWS_ENDPOINT_URL, ~/.aws/... as the AWS CLI."""
    return Clients()


def stdout() -> Console:
    """The console for tables: wide when not a terminal, so logs keep whole rows."""
    console = Console()
    return console if console.is_terminal else Console(width=140)


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


@contextmanager
def progress(enabled: bool = True) -> Iterator[Progress]:
    """A progress bar on stderr (hidden with ``enabled=False``, e.g. under ``--json``)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=False,
    )
    with bar:
        yield bar
