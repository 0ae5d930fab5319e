"""Offline preview speed: the real program under the mock engine, for 1, 3 and 6 regions.

Reported as ratios against baselines measured in the same run, never as absolute budgets:

- ``vs floor``: the same number of bare resources (SQS queues, no components, no applies)
  registered through the same mock engine and provider: the cost of the engine itself;
- ``vs 1 region``: how the program scales with regions (about linear is expected);
- the whole ``trade-pipeline preview`` command (fresh interpreter: imports included) is timed
  too, since that is what a newcomer waits for.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/bench_preview.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REGION_SETS = {
    1: ("us-east-1",),
    3: ("us-east-1", "us-west-2", "eu-west-1"),
    6: ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"),
}
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def _median_seconds(run: Callable[[], object], repeats: int = REPEATS) -> float:
    run()  # warm-up: imports, the artifact cache, pydantic schemas
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _env(regions: tuple[str, ...]) -> dict[str, str]:
    return {"PRIMARY_REGION": regions[0], "SECONDARY_REGIONS": ",".join(regions[1:]) or "[]"}


def main() -> dict[str, float]:
    import pulumi
    import pulumi_aws as aws

    from trade_pipeline.packaging import build_lambda_artifact
    from trade_pipeline.preview import load_stack_config, run_preview

    stack_config = load_stack_config("dev", REPO)
    artifact = build_lambda_artifact()
    results: dict[str, float] = {}
    rows = []
    one_region = None
    for count, regions in REGION_SETS.items():
        plan = run_preview(stack_config, environ=_env(regions), artifact=artifact)
        resources = len(plan.resources)

        def program(regions: tuple[str, ...] = regions) -> None:
            run_preview(stack_config, environ=_env(regions), artifact=artifact)

        def floor(resources: int = resources, regions: tuple[str, ...] = regions) -> None:
            region = regions[0]

            def bare(_config: object) -> None:
                provider = aws.Provider(f"aws-{region}", region=region)
                opts = pulumi.ResourceOptions(provider=provider)
                for index in range(resources - 1):
                    aws.sqs.Queue(f"q{index}", name=f"q{index}", opts=opts)

            run_preview(stack_config, environ=_env(regions), program=bare)

        program_s = _median_seconds(program)
        floor_s = _median_seconds(floor)
        one_region = one_region or program_s
        aws_count = len(plan.aws_resources())
        per_region = {r: len(plan.in_region(r)) for r in regions}
        results[f"preview_{count}r_seconds"] = program_s
        results[f"preview_{count}r_vs_floor"] = program_s / floor_s
        rows.append(
            f"{count} region(s): {aws_count} AWS resources ({per_region[regions[0]]} in the "
            f"primary, {per_region[regions[-1]]} per secondary), program {program_s * 1000:.0f} ms "
            f"median, {program_s / floor_s:.2f}x the engine floor ({floor_s * 1000:.0f} ms for "
            f"{resources} bare resources), {program_s / one_region:.2f}x one region"
        )

    cli_samples = []
    for _ in range(max(3, REPEATS // 2)):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "trade_pipeline.cli", "preview", "--stack", "dev"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        cli_samples.append(time.perf_counter() - started)
    bare_python = []
    for _ in range(max(3, REPEATS // 2)):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pulumi_aws"], check=True)
        bare_python.append(time.perf_counter() - started)
    cli_s, import_s = statistics.median(cli_samples), statistics.median(bare_python)
    results["preview_cli_3r_seconds"] = cli_s
    results["preview_cli_vs_import_pulumi_aws"] = cli_s / import_s
    rows.append(
        f"`trade-pipeline preview` (3 regions, fresh interpreter): {cli_s:.2f} s median, "
        f"{cli_s / import_s:.2f}x a bare `import pulumi_aws` ({import_s:.2f} s)"
    )
    print("offline preview")
    for row in rows:
        print("  " + row)
    return results


if __name__ == "__main__":
    main()
