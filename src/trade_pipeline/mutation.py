"""The mutation score of ``trade_processor``, per module, from mutmut's results.

``make mutate`` runs mutmut (``[tool.mutmut]`` in ``pyproject.toml``), then this module:
``python -m trade_pipeline.mutation [--docs] [--seconds N]``. It reads the per-file results
mutmut keeps in ``mutants/`` and prints, per module and in total, the score as mutmut's own
badge computes it, (killed + timeout) / (mutants - skipped), and the score of the
non-equivalent mutants: the same with the survivors ``docs/processor.md`` explains as
equivalent left out of the count. Every survivor must be explained there (a row of the
"Surviving mutants" table, keyed by mutant name); an unexplained one, or an explanation for a
mutant that no longer survives, is named.

``--docs`` rewrites the region ``mutation-score`` of ``docs/processor.md`` with the figures.
It is not part of ``make regen``: the figures come from a mutation run (minutes of CPU), not
from the code alone. The registry lists it in ``trade_pipeline.generated.MEASURED`` with this
writer, so the test of marked regions knows who writes it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ModuleScore", "explained_survivors", "main", "module_scores", "render_region"]

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "trade_processor"
DOCS = Path("docs") / "processor.md"
REGION = "mutation-score"
SURVIVORS_HEADING = "#### Surviving mutants"
_ROW = re.compile(r"^\| `(?P<name>[^`]+)` +\| (?P<change>.*?) +\| (?P<why>.*?) +\|$")
_KILLED = frozenset({"killed", "timeout", "caught by type check"})


@dataclass(frozen=True)
class ModuleScore:
    """mutmut's verdicts on one module's mutants."""

    module: str
    statuses: Mapping[str, str]  # mutant name -> mutmut's status

    def count(self, *statuses: str) -> int:
        return sum(1 for status in self.statuses.values() if status in statuses)

    @property
    def killed(self) -> int:
        return self.count(*_KILLED)

    @property
    def counted(self) -> int:
        """The mutants mutmut's score divides by: all but the skipped ones."""
        return len(self.statuses) - self.count("skipped")

    def survivors(self) -> list[str]:
        return sorted(name for name, status in self.statuses.items() if status == "survived")

    def score(self, equivalent: int = 0) -> float:
        base = self.counted - equivalent
        return self.killed / base if base else 1.0


def module_scores(mutants: Path) -> list[ModuleScore]:
    """Per module of :data:`PACKAGE`, the status of each mutant (mutmut's own mapping)."""
    from mutmut.stats import status_by_exit_code

    scores = []
    for meta in sorted((mutants / "src" / PACKAGE).glob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        statuses = {name: status_by_exit_code[code] for name, code in codes.items()}
        if statuses:
            scores.append(ModuleScore(meta.name.removesuffix(".py.meta"), statuses))
    return scores


def explained_survivors(docs_text: str) -> dict[str, str]:
    """Mutant name -> its verdict, from the "Surviving mutants" table of the docs."""
    section = docs_text.split(f"\n{SURVIVORS_HEADING}\n", 1)[-1]
    rows = {}
    for line in section.split("\n#")[0].splitlines():
        match = _ROW.match(line)
        if match:
            rows[match["name"]] = match["why"]
    return rows


def _equivalent(names: Sequence[str], explained: Mapping[str, str]) -> int:
    return sum(1 for name in names if explained.get(name, "").startswith("equivalent"))


def render_region(
    scores: Sequence[ModuleScore], explained: Mapping[str, str], seconds: float | None
) -> str:
    """The markdown of the generated region: one row per module, then the total."""
    lines = [
        "| module | mutants | killed | survived | of which equivalent | not run "
        "| score (mutmut) | non-equivalent killed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    every: dict[str, str] = {}
    for score in scores:
        every.update(score.statuses)
        lines.append(_row(f"`{score.module}`", score, explained))
    lines.append(_row("**total**", ModuleScore("total", every), explained))
    if seconds is not None:
        cores = os.cpu_count() or 1
        lines += ["", f"Last run: {len(every)} mutants in {seconds / 60:.1f} min on {cores} cores."]
    return "\n".join(lines)


def _row(label: str, score: ModuleScore, explained: Mapping[str, str]) -> str:
    survivors = score.survivors()
    equivalent = _equivalent(survivors, explained)
    not_run = score.count("not checked", "no tests", "suspicious", "segfault")
    not_run += score.count("check was interrupted by user")
    return (
        f"| {label} | {score.counted} | {score.killed} | {len(survivors)} | {equivalent} "
        f"| {not_run} | {score.score():.1%} | {score.score(equivalent):.1%} |"
    )


def report(scores: Sequence[ModuleScore], explained: Mapping[str, str]) -> list[str]:
    """The console summary, and a line per survivor the docs do not explain."""
    lines = []
    total: Counter[str] = Counter()
    every: dict[str, str] = {}
    for score in scores:
        survivors = score.survivors()
        equivalent = _equivalent(survivors, explained)
        total.update(killed=score.killed, counted=score.counted, equivalent=equivalent)
        every.update(score.statuses)
        lines.append(
            f"{score.module}: {score.killed}/{score.counted} killed = {score.score():.1%}; "
            f"{score.score(equivalent):.1%} of the non-equivalent"
        )
    whole = ModuleScore("total", every)
    lines.append(
        f"mutation score: {whole.killed}/{whole.counted} mutants killed = {whole.score():.1%} "
        f"({whole.score(total['equivalent']):.1%} of the non-equivalent)"
    )
    surviving = set(whole.survivors())
    for name in sorted(surviving - set(explained)):
        lines.append(f"unexplained survivor (add it to {DOCS}): {name}")
    for name in sorted(set(explained) - surviving):
        if name in every:
            lines.append(f"explained but no longer surviving (remove it from {DOCS}): {name}")
    return lines


def _write_region(path: Path, text: str) -> None:
    begin, end = f"<!-- {REGION}:begin -->", f"<!-- {REGION}:end -->"
    document = path.read_text(encoding="utf-8")
    if document.count(begin) != 1 or document.count(end) != 1:
        raise SystemExit(f"{path}: needs one line '{begin}' and a later line '{end}'")
    head, rest = document.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trade_pipeline.mutation")
    parser.add_argument("--docs", action="store_true", help=f"rewrite the region in {DOCS}")
    parser.add_argument("--seconds", type=float, help="the run's wall-clock time, for the docs")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root")
    args = parser.parse_args(argv)
    scores = module_scores(args.root / "mutants")
    if not scores:
        print("no mutation results under mutants/: run `make mutate` first", file=sys.stderr)
        return 1
    explained = explained_survivors((args.root / DOCS).read_text(encoding="utf-8"))
    print("\n".join(report(scores, explained)))
    if args.docs:
        _write_region(args.root / DOCS, render_region(scores, explained, args.seconds))
        print(f"wrote {DOCS}#{REGION}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
