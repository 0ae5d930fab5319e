"""Run every benchmark module in this folder and report ratios against same-run baselines.

A benchmark is a module ``benchmarks/bench_<name>.py`` with one function,
``run(quick: bool) -> list[Measurement]`` (``measurement.py``): each measurement is a ratio of
the code under test to a baseline measured in the same run on the same machine, so results
compare across machines; one with a ``budget`` fails the run when its ratio exceeds it, the
others are reported for information.

Usage::

    python benchmarks/run.py                 # all benchmarks (what `make bench` runs)
    python benchmarks/run.py cold_import     # only bench_cold_import.py
    python benchmarks/run.py --quick         # fewer rounds (a smoke test, noisier)
    python benchmarks/run.py --json build/bench.json

Exit code 1 when a budget is exceeded.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measurement import Measurement  # noqa: E402 - needs the folder on sys.path first


def discover(names: list[str]) -> list[ModuleType]:
    paths = sorted(HERE.glob("bench_*.py"))
    if names:
        paths = [p for p in paths if p.stem.removeprefix("bench_") in names]
        missing = set(names) - {p.stem.removeprefix("bench_") for p in paths}
        if missing:
            raise SystemExit(f"no such benchmark: {', '.join(sorted(missing))}")
    modules = []
    for path in paths:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)

    results: list[Measurement] = []
    for module in discover(args.names):
        print(f"== {module.__name__}: {(module.__doc__ or '').strip().splitlines()[0]}")
        for measurement in module.run(quick=args.quick):
            print(f"   {measurement.line()}")
            results.append(measurement)

    failed = [m for m in results if not m.within_budget]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"measurements": [m.as_dict() for m in results]}
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if failed:
        print(f"OVER BUDGET: {', '.join(m.name for m in failed)}")
        return 1
    print(f"all {sum(m.budget is not None for m in results)} budgets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
