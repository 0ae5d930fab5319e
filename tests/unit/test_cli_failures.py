"""Every command, run as a user runs it, through each failure that applies to it.

The commands are read from the Typer app, so a new command is in this matrix (or fails
:func:`test_every_command_has_a_command_line` until it is given one). Which failures apply is read
from its options: ``--outputs`` (it calls AWS) brings no credentials and an unreachable endpoint,
``--output`` an unwritable output path; an interrupt applies to every command, while the app
loads and when the command starts. Each case runs the console script in its own process, offline:
an environment without AWS credentials, an endpoint on a local port nothing listens on. The
processes run side by side (a pool), each case waits for its own.

What each case must end with, the convention of ``trade_pipeline.commands.common``: exactly one
line on stderr naming the problem (progress bars aside), no traceback, exit 1 (AWS failed),
2 (bad input) or 130 (interrupted), and nothing on stdout (no result was reached; an output path
is refused before the work starts).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main

from tests.unit.test_drill import ENDPOINT
from tests.unit.test_operator_commands import OUTPUTS
from trade_pipeline.cli import app
from trade_pipeline.commands.common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from trade_producer import sigv4a_available

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("trade-pipeline")

# A command line per command that reaches its work (AWS, the preview); "{outputs}" is a
# deployed stack's outputs file (with a global endpoint, for the drill).
COMMAND_LINES: dict[str, list[str]] = {
    "preview": ["preview"],
    "config-reference": ["config-reference"],
    "cost": ["cost"],
    "diagram": ["diagram"],
    "send": ["send", "--sample", "3", "--region", "us-east-1"],
    "verify": ["verify", "--timeout", "5"],
    "redrive": ["redrive", "--region", "us-east-1", "--queue", "delivery-dlq"],
    "replay": ["replay", "--region", "us-east-1", "--last", "5"],
    "status": ["status"],
    "drill": ["drill", "--apply"],
}

NO_CREDENTIALS = "error: AWS credentials: Unable to locate credentials (set AWS_PROFILE"
UNREACHABLE = 'error: AWS: Could not connect to the endpoint URL: "http://127.0.0.1:'
PROGRESS = re.compile(r" \d+/(\d+|\?) \d+:\d\d:\d\d$")  # a progress bar's last frame

# Ctrl-C as the terminal sends it (SIGINT, Python's own handler), at one point of the run:
# argv[1] "start-up" (while the app's modules load: typer is the first) or
# "module:function" (when the command's function starts); the rest is the console script's.
INTERRUPT = """
import runpy, signal, sys
when, script, args = sys.argv[1], sys.argv[2], sys.argv[3:]
fired = []
def fire():
    if not fired:
        fired.append(1)
        signal.raise_signal(signal.SIGINT)
if when == "start-up":
    sys.addaudithook(lambda event, info: event == "import" and info[0] == "typer" and fire())
else:
    import importlib
    module, name = when.split(":")
    code = getattr(importlib.import_module(module), name).__code__
    sys.setprofile(lambda frame, event, _: event == "call" and frame.f_code is code and fire())
sys.argv = [script, *args]
runpy.run_path(script, run_name="__main__")
"""


def commands() -> dict[str, typer.models.CommandInfo]:
    """The app's commands by the name a user types."""
    return {
        info.name or (info.callback.__name__ if info.callback else "").replace("_", "-"): info
        for info in app.registered_commands
    }


def options(name: str) -> set[str]:
    group = typer.main.get_command(app)
    command = group.commands[name]  # type: ignore[attr-defined]
    return {opt for param in command.params for opt in param.opts}


@dataclass(frozen=True)
class Failure:
    name: str
    applies: Callable[[str], bool]
    exit_code: int
    says: str  # the line starts with this (formatted with {output}, {folder})


def _calls_aws(command: str) -> bool:
    return "--outputs" in options(command)


def _writes(command: str) -> bool:
    return "--output" in options(command)


FAILURES = (
    Failure("no credentials", _calls_aws, EXIT_FAILED, NO_CREDENTIALS),
    Failure("unreachable endpoint", _calls_aws, EXIT_FAILED, UNREACHABLE),
    Failure("output is a directory", _writes, EXIT_USAGE, "error: --output {output}: is a dir"),
    Failure("output in a read-only folder", _writes, EXIT_USAGE, "error: --output {output}: "),
    Failure("interrupt at start-up", lambda _: True, EXIT_INTERRUPTED, "interrupted"),
    Failure("interrupt in the command", lambda _: True, EXIT_INTERRUPTED, "interrupted"),
)


def cases() -> Iterator[tuple[str, str]]:
    for command in commands():
        for failure in FAILURES:
            if failure.applies(command):
                yield command, failure.name


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens on it


@dataclass
class Run:
    stdout: str
    stderr: str
    returncode: int
    output: Path | None


class Matrix:
    """Every case's process, started together; :meth:`result` waits for one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        outputs = root / "outputs.json"
        outputs.write_text(json.dumps({**OUTPUTS, "globalEndpoint": ENDPOINT}))
        self.outputs = outputs
        self.read_only = self._read_only_folder()
        self.port = _closed_port()
        self.pool = ThreadPoolExecutor(max_workers=max(2, min(6, os.cpu_count() or 2)))
        self.futures: dict[tuple[str, str], Future[Run]] = {
            case: self.pool.submit(self._run, *case) for case in cases()
        }

    def _read_only_folder(self) -> Path:
        if os.geteuid() != 0:
            folder = self.root / "read-only"
            folder.mkdir()
            folder.chmod(0o555)
            return folder
        return Path("/sys")  # root writes through permission bits; sysfs takes no new file

    def _environment(self, failure: str) -> dict[str, str]:
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "TRADE_PIPELINE_", "PRIMARY_REGION", "SECONDARY_REGION"))
        }
        environ.update(
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_CONFIG_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",  # no instance-metadata lookup for credentials
            AWS_MAX_ATTEMPTS="1",  # botocore's retries of the unreachable endpoint: one try
            COLUMNS="200",
        )
        if failure != "no credentials":
            environ.update(
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
                AWS_ENDPOINT_URL=f"http://127.0.0.1:{self.port}",
            )
        return environ

    def _run(self, command: str, failure: str) -> Run:
        args = list(COMMAND_LINES[command])
        if _calls_aws(command):
            args += ["--outputs", str(self.outputs)]
        output = None
        if failure == "output is a directory":
            output = self.root
        elif failure == "output in a read-only folder":
            output = self.read_only / f"{command}.json"
        if output is not None:
            args += ["--output", str(output)]
        argv = [sys.executable, str(SCRIPT), *args]
        if failure == "interrupt at start-up":
            argv = [sys.executable, "-c", INTERRUPT, "start-up", str(SCRIPT), *args]
        elif failure == "interrupt in the command":
            callback = commands()[command].callback
            assert callback is not None
            where = f"{callback.__module__}:{callback.__name__}"
            argv = [sys.executable, "-c", INTERRUPT, where, str(SCRIPT), *args]
        done = subprocess.run(
            argv,
            cwd=REPO,
            env=self._environment(failure),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        return Run(done.stdout, done.stderr, done.returncode, output)

    def result(self, command: str, failure: str) -> Run:
        return self.futures[command, failure].result()


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    assert SCRIPT.exists(), f"{SCRIPT}: the console script is not installed in this venv"
    root = tmp_path_factory.mktemp("cli-failures")
    runs = Matrix(root)
    yield runs
    runs.pool.shutdown(cancel_futures=True)
    if runs.read_only.is_relative_to(root):
        runs.read_only.chmod(0o755)
        shutil.rmtree(runs.read_only, ignore_errors=True)


def test_every_command_has_a_command_line() -> None:
    assert set(COMMAND_LINES) == set(commands()), "give each command a line in COMMAND_LINES"


def _expected(command: str, failure: Failure) -> tuple[int, str]:
    if command == "drill" and failure.applies is _calls_aws and not sigv4a_available():
        # the drill refuses to start without SigV4a, before it touches anything
        return EXIT_USAGE, "error: sending through an EventBridge global endpoint needs SigV4a"
    return failure.exit_code, failure.says


@pytest.mark.parametrize(("command", "failure"), sorted(cases()))
def test_a_failure_is_one_line_naming_it_and_the_exit_code(
    matrix: Matrix, command: str, failure: str
) -> None:
    run = matrix.result(command, failure)
    exit_code, says = _expected(command, next(f for f in FAILURES if f.name == failure))
    lines = [line for line in run.stderr.splitlines() if not PROGRESS.search(line)]

    assert "Traceback" not in run.stderr, run.stderr
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(says.format(output=run.output)), run.stderr
    assert run.returncode == exit_code, run.stderr
    assert run.stdout == "", "stopped before any result: an --output path is checked first"


@pytest.mark.parametrize("where", ["the group's options", "the command's options"])
def test_an_interrupt_while_options_are_parsed_is_an_interrupt(
    where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C while click parses the command line: ``interrupted`` and 130, not click's
    ``Aborted!`` and 1 (the group's options are parsed before any command runs)."""
    import typer.core

    group = typer.main.get_command(app)
    parsing = typer.core.TyperGroup if where == "the group's options" else typer.core.TyperCommand
    assert isinstance(group.commands["config-reference"], typer.core.TyperCommand)  # type: ignore[attr-defined]

    def interrupted(self: object, ctx: object, args: list[str]) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(parsing, "parse_args", interrupted)
    with pytest.raises(SystemExit) as stop:
        group.main(["config-reference"], prog_name="trade-pipeline")

    assert stop.value.code == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "interrupted\n"
