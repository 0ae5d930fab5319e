"""Every generated file and region of the repository, and the function that renders each.

``make regen`` (``python -m trade_pipeline.generated``) rewrites them all from the code, the
stack files and the plans; ``make regen ARGS=--check`` (``--check``) lists the stale ones and
changes nothing (exit 1 when any is). ``tests/unit/test_generated.py`` holds the committed text
to the rendered one, entry by entry, and its only advice is ``make regen``: review the diff it
makes like code (a removed URN line is a resource Pulumi would delete; a changed compliance row
changes what users' waivers and CI logs name).

An entry is a whole file or a *region*: the lines between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->`` (each marker alone on its line); the text around a region is written by
hand and never touched. Rendering reads no environment variable: every plan is the stack's
offline preview with no override, built once per stack and shared by the entries.

Example
-------
>>> [a.label for a in ARTIFACTS if a.path == "README.md"]
['README.md#preview-sample']
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trade_pipeline.preview import Plan, load_stack_config, run_preview

__all__ = [
    "ARTIFACTS",
    "MEASURED",
    "Artifact",
    "MeasuredRegion",
    "Sources",
    "compliance_rows",
    "main",
    "regenerate",
    "stale_message",
    "urn_lines",
]

REPO = Path(__file__).resolve().parents[2]


class MarkersMissing(ValueError):
    """A file lacks the begin/end markers of a region the registry writes."""


@dataclass
class Sources:
    """What the renderers read: the repository's stack files, previewed once per variant."""

    root: Path = REPO
    artifact: Any = None  # the Lambda artifact; None: the program builds it (cached)
    _plans: dict[tuple[str, tuple[tuple[str, str], ...]], Plan] = field(default_factory=dict)

    def plan(self, stack: str, environ: Mapping[str, str] | None = None) -> Plan:
        """The offline preview of ``stack`` with exactly ``environ`` (no other override)."""
        key = (stack, tuple(sorted((environ or {}).items())))
        if key not in self._plans:
            config = load_stack_config(stack, self.root)
            self._plans[key] = run_preview(
                config, stack=stack, environ=dict(environ or {}), artifact=self.artifact
            )
        return self._plans[key]


@dataclass(frozen=True)
class Artifact:
    """One generated file (``region`` None) or one marked region of a file."""

    path: str  # relative to the repository root
    region: str | None
    render: Callable[[Sources], str]
    what: str
    explain: Callable[[str, str], list[str]] | None = None  # (committed, rendered) -> details

    @property
    def label(self) -> str:
        return self.path if self.region is None else f"{self.path}#{self.region}"

    def _split(self, text: str) -> tuple[str, str, str]:
        """(text up to the begin marker's line, the region, the end marker's line on)."""
        begin, end = f"<!-- {self.region}:begin -->", f"<!-- {self.region}:end -->"
        lines = text.splitlines(keepends=True)
        starts = [n for n, line in enumerate(lines) if line.rstrip("\n") == begin]
        ends = [n for n, line in enumerate(lines) if line.rstrip("\n") == end]
        if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
            raise MarkersMissing(
                f"{self.path}: needs one region between a line '{begin}' and a later line "
                f"'{end}': add both where the generated text goes"
            )
        head, body, tail = lines[: starts[0] + 1], lines[starts[0] + 1 : ends[0]], lines[ends[0] :]
        return "".join(head), "".join(body).removesuffix("\n"), "".join(tail)

    def committed(self, root: Path = REPO) -> str:
        """The text the repository holds for this entry (raises MarkersMissing)."""
        text = (root / self.path).read_text(encoding="utf-8")
        return text if self.region is None else self._split(text)[1]

    def write(self, text: str, root: Path = REPO) -> None:
        path = root / self.path
        if self.region is not None:
            head, _, tail = self._split(path.read_text(encoding="utf-8"))
            text = head + (text + "\n" if text else "") + tail
        path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------ renderers --
def urn_lines(plan: Plan) -> list[str]:
    """One line per resource: its URN and the region of its provider (``-`` for none)."""
    return sorted(f"{r.urn} @ {r.region or '-'}" for r in plan.resources)


GOLDEN_FIELDS = ("rule", "severity", "outcome", "examined", "resources", "messages", "waiverReason")


def compliance_rows(plan: Plan) -> list[dict[str, Any]]:
    """The compliance table's rows, reduced to what must stay stable across refactors."""
    from trade_pipeline.policies import evaluate_plan

    return [{key: row[key] for key in GOLDEN_FIELDS} for row in evaluate_plan(plan).to_dict()]


def _config_reference(_: Sources) -> str:
    from trade_pipeline.commands.config_reference import config_reference_markdown

    return config_reference_markdown()


def _diagram(sources: Sources) -> str:
    from trade_pipeline.diagram import build_graph, to_mermaid

    return "```mermaid\n" + to_mermaid(build_graph(sources.plan("dev"))) + "```"


def _preview_sample(sources: Sources) -> str:
    """The first region's table of `make preview` in an 80-column terminal."""
    from rich.console import Console

    from trade_pipeline.commands.plan_summary import region_tables

    plan = sources.plan("dev")
    console = Console(width=80, record=True, color_system=None, file=io.StringIO())
    console.print(region_tables(plan, plan.pipeline_config(), 80)[0])
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    return "```\n$ make preview\n" + "\n".join(lines) + "\n```"


def _policies(_: Sources) -> str:
    from trade_pipeline.policies.reference import policies_reference_markdown

    return policies_reference_markdown()


def _prices(_: Sources) -> str:
    from trade_pipeline.cost.report import price_table_markdown

    return price_table_markdown()


def _price_regions(sources: Sources) -> str:
    """Each region of the repository's stack files and how the price table prices it."""
    from trade_pipeline.cost.report import regions_markdown

    stacks = sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in sources.root.glob("Pulumi.*.yaml")
    )
    return regions_markdown(
        {stack: sources.plan(stack).pipeline_config().regions for stack in stacks}
    )


def _figure(name: str) -> Callable[[Sources], str]:
    def render(sources: Sources) -> str:
        from trade_pipeline.cost import figures

        function: Callable[[Callable[[str, Mapping[str, str]], Plan]], str]
        function = getattr(figures, name)
        return function(sources.plan)

    return render


def _urns(sources: Sources) -> str:
    return "".join(f"{line}\n" for line in urn_lines(sources.plan("dev")))


def _golden(sources: Sources) -> str:
    return json.dumps(compliance_rows(sources.plan("dev")), indent=2) + "\n"


def _pulumi_version(sources: Sources) -> str:
    lock = (sources.root / "requirements.txt").read_text(encoding="utf-8")
    found = re.search(r"^pulumi==(\S+)", lock, re.M)
    if not found:
        raise ValueError("requirements.txt pins no pulumi==<version>: run `make lock`")
    return found[1] + "\n"


def _recorded_calls(sources: Sources) -> str:
    """The calls of the recording runs (``tests/support/recorded_runs.py``, on moto)."""
    if str(sources.root) not in sys.path:
        sys.path.insert(0, str(sources.root))  # the runs live beside the suite's moto fixtures
    runs = importlib.import_module("tests.support.recorded_runs")  # not a package module
    calls = runs.record_calls(sources.plan("dev"))
    rows = [{"principal": c.principal, "action": c.action, "resource": c.resource} for c in calls]
    return json.dumps(rows, indent=2) + "\n"


# ------------------------------------------------------------------ detailed differences --
def _urn_changes(committed: str, rendered: str) -> list[str]:
    pinned, actual = set(committed.splitlines()), set(rendered.splitlines())
    return [
        "URNs changed: Pulumi would delete the removed and create the added resources",
        *(f"  removed: {line}" for line in sorted(pinned - actual)),
        *(f"  added:   {line}" for line in sorted(actual - pinned)),
    ]


def _rule_changes(committed: str, rendered: str) -> list[str]:
    golden = {row["rule"]: row for row in json.loads(committed)}
    rows = {row["rule"]: row for row in json.loads(rendered)}
    details = []
    if list(golden) != list(rows):
        details.append(f"rules, in order: {list(golden)} -> {list(rows)}")
    for rule in golden.keys() & rows.keys():
        for key in GOLDEN_FIELDS:
            if golden[rule][key] != rows[rule][key]:
                details.append(f"{rule}: {key} {golden[rule][key]!r} -> {rows[rule][key]!r}")
    return sorted(details)


ARTIFACTS: tuple[Artifact, ...] = (
    Artifact("README.md", "preview-sample", _preview_sample, "a sample of the preview"),
    Artifact(
        "docs/configuration.md", "config-reference", _config_reference, "config reference table"
    ),
    Artifact("docs/architecture.md", "diagram:dev", _diagram, "Mermaid diagram of the dev plan"),
    Artifact("docs/policies.md", None, _policies, "the compliance rules' reference page"),
    Artifact("docs/cost.md", "cost:profile", _figure("profile_markdown"), "measured figures"),
    Artifact("docs/cost.md", "cost:comparison", _figure("comparison_markdown"), "floor/dev/prod"),
    Artifact("docs/cost.md", "cost:choices", _figure("choices_markdown"), "each choice's cost"),
    Artifact("docs/cost.md", "prices", _prices, "the price table"),
    Artifact("docs/cost.md", "prices:regions", _price_regions, "each stack region's prices"),
    Artifact(
        "docs/network.md", "cost:network", _figure("network_cost_markdown"), "VPC mode's cost"
    ),
    Artifact("tests/unit/data/dev-plan-urns.txt", None, _urns, "the dev plan's URNs", _urn_changes),
    Artifact(
        "tests/policy/compliance-dev.golden.json",
        None,
        _golden,
        "the dev stack's compliance table",
        _rule_changes,
    ),
    Artifact(
        "src/trade_pipeline/calls/recorded.json",
        None,
        _recorded_calls,
        "the AWS calls recorded from the moto runs",
    ),
    Artifact(".pulumi.version", None, _pulumi_version, "the Pulumi CLI CI installs: the SDK's"),
)


@dataclass(frozen=True)
class MeasuredRegion:
    """A marked region ``make regen`` never writes: its text is a measurement, not code.

    Its one writer is ``writer``, the command that makes the measurement (``--check`` in CI
    cannot redo minutes of CPU, and the figures would not be reproducible from the code alone).
    """

    path: str
    region: str
    writer: str


def _measured() -> tuple[MeasuredRegion, ...]:
    from trade_pipeline import mutation

    return (MeasuredRegion(mutation.DOCS.as_posix(), mutation.REGION, "make mutate"),)


# The regions written by a measuring command instead of the registry above.
MEASURED: tuple[MeasuredRegion, ...] = _measured()


# -------------------------------------------------------------------------------- running --
def stale_message(artifact: Artifact, committed: str, rendered: str) -> str:
    """Why ``artifact`` is stale, ending with the one command that fixes it."""
    if artifact.explain is not None:
        details = artifact.explain(committed, rendered)
    else:
        diff = difflib.unified_diff(
            committed.splitlines(), rendered.splitlines(), "committed", "generated", lineterm=""
        )
        details = list(diff)[2:22]
    return "\n".join(
        [f"{artifact.label} ({artifact.what}) is stale:", *details, "run `make regen`"]
    )


def regenerate(
    artifacts: Iterable[Artifact] = ARTIFACTS,
    sources: Sources | None = None,
    *,
    check: bool = False,
) -> list[Artifact]:
    """Render every artifact; unless ``check``, write the changed ones (all rendered first, so
    a missing marker or a failing renderer writes nothing). Returns the changed ones."""
    sources = sources or Sources()
    changed = []
    for artifact in artifacts:
        rendered = artifact.render(sources)
        if artifact.committed(sources.root) != rendered:
            changed.append((artifact, rendered))
    if not check:
        for artifact, rendered in changed:
            artifact.write(rendered, sources.root)
    return [artifact for artifact, _ in changed]


def main(
    argv: Sequence[str] | None = None,
    artifacts: Sequence[Artifact] = ARTIFACTS,
    sources: Sources | None = None,
) -> int:
    """``python -m trade_pipeline.generated [--check]``: the body of ``make regen``."""
    parser = argparse.ArgumentParser(prog="make regen", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="list stale entries, write nothing")
    args = parser.parse_args(argv)
    try:
        changed = regenerate(artifacts, sources, check=args.check)
    except MarkersMissing as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    verb = "stale" if args.check else "regenerated"
    for artifact in changed:
        print(f"{verb}: {artifact.label} ({artifact.what})")
    if not changed:
        print(f"all {len(artifacts)} generated files and regions are up to date")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
