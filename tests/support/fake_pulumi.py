"""A stand-in for the ``pulumi`` executable, for the Automation API's calls to it.

:func:`install` writes an executable ``pulumi`` into a folder (put it first on ``PATH``) that
answers the commands ``LocalWorkspace`` runs as the real CLI does (``pulumi version``;
``pulumi stack output --json [--show-secrets] --stack NAME``; ``pulumi stack select --stack
NAME``), keeps the selected stack in a file as the CLI keeps it in the workspace settings, and
records every command line it was given. A stack it does not know fails as the CLI fails:
``error: no stack named 'NAME' found`` on stderr, exit code 255.
"""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FakePulumi", "install"]

_SCRIPT = textwrap.dedent(
    """\
    #!{python}
    import json, sys
    from pathlib import Path

    state = Path({state!r})
    args = [a for a in sys.argv[1:] if a != "--non-interactive"]
    with (state / "calls.jsonl").open("a") as log:
        log.write(json.dumps(args) + "\\n")
    stacks = json.loads((state / "stacks.json").read_text())
    stack = args[args.index("--stack") + 1] if "--stack" in args else None
    if args[:1] == ["version"]:
        print("v{version}")
    elif args[:2] == ["stack", "select"]:
        if stack not in stacks:
            sys.stderr.write(f"error: no stack named '{{stack}}' found\\n")
            sys.exit(255)
        (state / "selected").write_text(stack)
    elif args[:3] == ["stack", "output", "--json"]:
        if stack not in stacks:
            sys.stderr.write(f"error: no stack named '{{stack}}' found\\n")
            sys.exit(255)
        print(json.dumps(stacks[stack]))
    else:
        sys.stderr.write(f"error: unknown command {{args}}\\n")
        sys.exit(2)
    """
)


@dataclass
class FakePulumi:
    bin_dir: Path
    state: Path

    @property
    def selected(self) -> str:
        return (self.state / "selected").read_text()

    def calls(self) -> list[list[str]]:
        log = self.state / "calls.jsonl"
        lines = log.read_text().splitlines() if log.exists() else []
        return [json.loads(line) for line in lines]


def install(
    root: Path, stacks: dict[str, dict[str, Any]], selected: str, version: str = "3.272.0"
) -> FakePulumi:
    """A fake ``pulumi`` in ``root/bin`` knowing ``stacks`` (name -> outputs), ``selected`` on."""
    bin_dir, state = root / "bin", root / "state"
    bin_dir.mkdir(parents=True)
    state.mkdir()
    (state / "stacks.json").write_text(json.dumps(stacks))
    (state / "selected").write_text(selected)
    script = bin_dir / "pulumi"
    script.write_text(_SCRIPT.format(python=sys.executable, state=str(state), version=version))
    script.chmod(0o755)
    return FakePulumi(bin_dir, state)
