"""``trade-pipeline diagram``: the architecture of the planned stack, drawn from the plan.

Mermaid by default (printed, or written with ``--output``); ``--format png`` draws it with the
``diagrams`` library (``pip install 'trade-pipeline[diagram]'``) and Graphviz's ``dot``. A
missing library or ``dot`` is one line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.config import ConfigError
from trade_pipeline.diagram import build_graph, render_png, to_mermaid
from trade_pipeline.preview import load_stack_config, run_preview

__all__ = ["DiagramFormat", "mermaid_for_stack", "register"]

EXIT_USER_ERROR = 2


class DiagramFormat(StrEnum):
    MERMAID = "mermaid"
    PNG = "png"


def mermaid_for_stack(
    stack: str, project_dir: Path = Path("."), environ: dict[str, str] | None = None
) -> str:
    """The Mermaid text of ``stack`` (what the README embeds for dev)."""
    config = load_stack_config(stack, project_dir)
    plan = run_preview(config, stack=stack, environ=os.environ if environ is None else environ)
    return to_mermaid(build_graph(plan))


def _fail(message: str) -> typer.Exit:
    sys.stderr.write(message + "\n")
    return typer.Exit(EXIT_USER_ERROR)


def register(app: typer.Typer) -> None:
    """Add ``diagram`` to the ``trade-pipeline`` command."""

    @app.command()
    def diagram(
        stack: Annotated[
            str, typer.Option(help="Stack whose Pulumi.<stack>.yaml is read.")
        ] = "dev",
        format_: Annotated[
            DiagramFormat, typer.Option("--format", help="mermaid (text) or png (Graphviz).")
        ] = DiagramFormat.MERMAID,
        output: Annotated[
            Path | None, typer.Option(help="File to write; mermaid default: stdout.")
        ] = None,
        project_dir: Annotated[
            Path, typer.Option(help="Folder holding Pulumi.yaml and the stack files.")
        ] = Path("."),
    ) -> None:
        """Draw the planned stack: regions, event path, loss paths, alarms, replication."""
        if format_ is DiagramFormat.PNG:
            if shutil.which("dot") is None:
                raise _fail(
                    "error: --format png needs Graphviz's `dot` on PATH (e.g. apt-get install "
                    "graphviz); --format mermaid needs nothing"
                )
            try:
                import diagrams  # noqa: F401
            except ImportError:
                raise _fail(
                    "error: --format png needs the diagrams library: "
                    "pip install 'trade-pipeline[diagram]'"
                ) from None
        try:
            config = load_stack_config(stack, project_dir)
            plan = run_preview(config, stack=stack, environ=os.environ)
        except ConfigError as exc:
            sys.stderr.write("".join(f"{line}\n" for line in exc.lines))
            raise typer.Exit(EXIT_USER_ERROR) from None
        except (FileNotFoundError, ValueError) as exc:
            raise _fail(f"error: {exc}") from None
        graph = build_graph(plan)
        if format_ is DiagramFormat.PNG:
            written = render_png(graph, output or Path(f"build/diagram-{stack}.png"))
            sys.stdout.write(f"diagram written to {written}\n")
        elif output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(to_mermaid(graph))
            sys.stdout.write(f"diagram written to {output}\n")
        else:
            sys.stdout.write(to_mermaid(graph))
