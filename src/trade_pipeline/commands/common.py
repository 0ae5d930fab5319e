"""What every command shares: exit codes, options, where a user error ends, output helpers.

Exit codes: 0 everything asked for succeeded; 1 something did not (failed entries, a timeout,
a firing alarm...); 2 bad input (options, stack config, outputs file, events file, policy
waivers); 3 a mandatory compliance rule failed (``preview``).

Where a command ends early is decided here only, by :class:`CommandGroup`, each time as one
line on stderr (never a traceback), after the lines saying what the command had done (events
sent, the replay started, messages moved: see :func:`report_done`):

- bad input, a :class:`~trade_pipeline.errors.UserError` raised where the input is checked
  (an output path that cannot be written is one: :func:`write_output`): exit 2;
- AWS failing: no credentials or profile, an endpoint that cannot be reached, a request AWS
  refused (throttled after botocore's retries, ``ResourceAlreadyExistsException``, access
  denied...): ``error: AWS ...``, exit 1;
- an interrupt (Ctrl-C): ``interrupted``, exit 130.

Any other exception is a bug and is left to surface as one.

``--json`` means the same in every command: a flag, one JSON document on stdout instead of the
human output (numbers as JSON numbers); ``--output PATH`` writes that document to a file instead
(``preview``, ``cost``, and ``diagram`` for its drawing).

Progress bars go to stderr, so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from trade_pipeline.errors import EnvironmentProblem, UserError

if TYPE_CHECKING:
    from trade_pipeline.ops.aws import Clients

__all__ = [
    "EXIT_CONFIG_ERROR",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_POLICY_FAILURE",
    "EXIT_USAGE",
    "CommandGroup",
    "JsonOption",
    "OutputOption",
    "OutputsOption",
    "ProjectDirOption",
    "StackFileOption",
    "StackOption",
    "StackProjectDirOption",
    "check_output",
    "clients",
    "emit_json",
    "help_text",
    "progress",
    "report_console",
    "report_done",
    "stdout",
    "write_output",
]

EXIT_FAILED: Final = 1
"""Something asked for did not succeed (failed entries, a timeout, a firing alarm...)."""
EXIT_USAGE: Final = 2
"""Bad input: one line (a line per rejected value) on stderr."""
EXIT_CONFIG_ERROR: Final = EXIT_USAGE
"""A rejected stack config is bad input like any other."""
EXIT_POLICY_FAILURE: Final = 3
"""A mandatory compliance rule failed (``preview``)."""
EXIT_INTERRUPTED: Final = 130
"""Interrupted (Ctrl-C): 128 + SIGINT, as shells report it."""


_done: list[Callable[[], str | None]] = []


def report_done(describe: Callable[[], str | None]) -> None:
    """Register what the running command has done so far (``describe()`` is called only if it
    ends early, and its line printed before the error's): events sent, a replay's name..."""
    _done.append(describe)


def _aws_line(error: BaseException) -> str | None:
    """One line for an error of AWS or of reaching it, ``None`` for anything else.

    botocore is imported only by the operator commands: when it is not loaded, no error can be
    one of its own.
    """
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:
        return None
    if isinstance(error, exceptions.ClientError):
        info = error.response.get("Error", {})
        code, message = info.get("Code", "error"), info.get("Message", "")
        return f"error: AWS {error.operation_name} failed: {code}: {message}".rstrip(": ")
    if isinstance(error, exceptions.NoCredentialsError | exceptions.PartialCredentialsError):
        return (
            f"error: AWS credentials: {error} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, as for the AWS CLI)"
        )
    if isinstance(error, exceptions.BotoCoreError):  # endpoint, profile, region, token...
        return f"error: AWS: {error}"
    return None


def _stop(lines: list[str], code: int) -> typer.Exit:
    """Print what was done, then ``lines``; the exit to raise."""
    done = [line for line in (describe() for describe in _done) if line]
    # plain writes: a config line must never be wrapped or restyled
    sys.stderr.write("".join(f"{line}\n" for line in [*done, *lines]))
    return typer.Exit(code)


class CommandGroup(TyperGroup):
    """The ``trade-pipeline`` group: the one place a command ending early becomes one line."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        """Parse the group's own options; Ctrl-C meanwhile is an interrupt like any other
        (click would print ``Aborted!`` and exit 1). A command's options are parsed inside
        :meth:`invoke`."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            raise _stop(["interrupted"], EXIT_INTERRUPTED) from None

    def invoke(self, ctx: Any) -> Any:
        _done.clear()
        try:
            return super().invoke(ctx)
        except UserError as error:
            raise _stop(error.lines, EXIT_USAGE) from None
        except KeyboardInterrupt:
            raise _stop(["interrupted"], EXIT_INTERRUPTED) from None
        except EnvironmentProblem as error:
            raise _stop([f"error: {error}"], EXIT_FAILED) from None
        except Exception as error:
            line = _aws_line(error)
            if line is None:
                raise
            raise _stop([line], EXIT_FAILED) from None
        finally:
            _done.clear()


def check_output(option: str, path: Path | None) -> None:
    """Refuse an output path that cannot be written before the command does its work (a
    preview takes seconds, a drill changes a health check): one line naming the option, the
    path and why. ``None``: no file asked for.

    The folder is tried by creating a scratch file in it (removed at once): permission bits
    alone say nothing of a read-only mount, and nothing at all for root.
    """
    if path is None:
        return
    if path.is_dir():
        raise UserError(f"{option} {path}: is a directory; give a file path")
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
    if not folder.is_dir():
        raise UserError(f"{option} {path}: {folder} is a file, not a directory")
    try:
        if path.exists():
            with path.open("a"):
                pass
        else:
            with tempfile.TemporaryFile(dir=folder):
                pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(f"{option} {path}: cannot write in {folder}: {reason}") from None


def write_output(option: str, path: Path, write: Callable[[Path], object]) -> None:
    """Write a command's output file with ``write(path)`` (creating its folder); a path that
    cannot be written is bad input: one line naming the option, the path and why."""
    if path.is_dir():
        raise UserError(f"{option} {path}: is a directory; give a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(f"{option} {path}: cannot write: {reason}") from None


# --- options of the offline commands (preview, cost, diagram): a stack file -----------------
StackFileOption = Annotated[
    str, typer.Option("--stack", help="Stack whose Pulumi.<stack>.yaml is read.")
]
StackProjectDirOption = Annotated[
    Path, typer.Option("--project-dir", help="Folder holding Pulumi.yaml and the stack files.")
]

# --- options of the operator commands: a deployed stack's outputs ---------------------------
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
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", help="Also write the JSON document to this file."),
]


def help_text(docstring: str | None) -> str:
    """A command's docstring as its ``--help``: paragraphs reflowed (the terminal wraps them)
    and rich markup escaped (``botocore[crt]`` must print as written)."""
    paragraphs = inspect.cleandoc(docstring or "").split("\n\n")
    return "\n\n".join(escape(" ".join(p.split())) for p in paragraphs)


def clients() -> Clients:
    """boto3's default chain: AWS_PROFILE, AWS_ENDPOINT_URL, ~/.aws/... as the AWS CLI."""
    from trade_pipeline.ops.aws import Clients  # boto3: only the operator commands need it

    return Clients()


def stdout() -> Console:
    """The console of the operator commands' tables (see :func:`report_console`)."""
    return report_console(140)


def report_console(width: int) -> Console:
    """The console of a command's tables: the terminal's width; when piped, ``COLUMNS`` if set
    (rich reads it), else ``width`` columns, as logs and CI keep whole rows. Tables choose their
    layout from that width (:mod:`trade_pipeline.tables`)."""
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        return Console(width=width)
    return console


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
