"""``trade-pipeline diagram``: the architecture of the planned stack, drawn from the plan.

Mermaid by default (printed, or written with ``--output``): every resource; ``--format png`` draws
the overview (one row per region, the primary on top: see ``diagram_png``) with the
``diagrams`` library (``pip install 'trade-pipeline[diagram]'``) and Graphviz's ``dot``. A
missing library or ``dot`` is one line on stderr and exit code 2.
"""

from __future__ import annotations

import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from trade_pipeline.commands import common
from trade_pipeline.diagram import build_graph, to_mermaid
from trade_pipeline.diagram_png import render_png
from trade_pipeline.errors import UserError
from trade_pipeline.preview import preview_stack

__all__ = ["DiagramFormat", "mermaid_for_stack", "register"]


class DiagramFormat(StrEnum):
    MERMAID = "mermaid"
    PNG = "png"


def mermaid_for_stack(
    stack: str, project_dir: Path = Path("."), environ: dict[str, str] | None = None
) -> str:
    """The Mermaid text of ``stack`` (what the README embeds for dev)."""
    return to_mermaid(build_graph(preview_stack(stack, project_dir, environ)))


def _check_png_tools() -> None:
    """``--format png`` needs Graphviz's ``dot`` and the diagrams library (an extra)."""
    if shutil.which("dot") is None:
        raise UserError(
            "--format png needs Graphviz's `dot` on PATH (e.g. apt-get install "
            "graphviz); --format mermaid needs nothing"
        )
    try:
        import diagrams  # noqa: F401
    except ImportError:
        raise UserError(
            "--format png needs the diagrams library: pip install 'trade-pipeline[diagram]'"
        ) from None


def diagram(
    stack: common.StackFileOption = "dev",
    format_: Annotated[
        DiagramFormat, typer.Option("--format", help="mermaid (text) or png (Graphviz).")
    ] = DiagramFormat.MERMAID,
    output: Annotated[
        Path | None, typer.Option(help="File to write; mermaid default: stdout.")
    ] = None,
    project_dir: common.StackProjectDirOption = Path("."),
) -> None:
    """Draw the planned stack: regions, event path, loss paths, alarms, replication."""
    if format_ is DiagramFormat.PNG:
        _check_png_tools()
    common.check_output("--output", output)  # before the (slow) preview runs
    graph = build_graph(preview_stack(stack, project_dir))
    if format_ is DiagramFormat.PNG:
        written = [output or Path(f"build/diagram-{stack}.png")]
        common.write_output(
            "--output", written[0], lambda path: written.append(render_png(graph, path))
        )
        sys.stdout.write(f"diagram written to {written[-1]}\n")
    elif output is not None:
        text = to_mermaid(graph)
        common.write_output("--output", output, lambda path: path.write_text(text))
        sys.stdout.write(f"diagram written to {output}\n")
    else:
        sys.stdout.write(to_mermaid(graph))


def register(app: typer.Typer) -> None:
    """Add ``diagram`` to the ``trade-pipeline`` command."""
    app.command("diagram")(diagram)
