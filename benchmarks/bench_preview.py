"""Offline preview speed: the real program under the mock engine, for 1, 3 and 6 regions.

Reported as ratios against baselines measured in the same run, never as absolute budgets:

- ``vs floor``: the same number of bare resources (SQS queues, no components, no applies)
  registered through the same mock engine and provider: the cost of the engine itself;
- ``vs 1 region``: how the program scales with regions (about linear is expected);
- the whole ``trade-pipeline preview`` command (fresh interpreter: imports included) is timed
  too, since that is what a newcomer waits for.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python benchmarks/run.py preview``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measurement import Measurement

REPO = Path(__file__).resolve().parents[1]
REGION_SETS = {
    1: ("us-east-1",),
    3: ("us-east-1", "us-west-2", "eu-west-1"),
    6: ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"),
}
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    run()  # warm-up: imports, the artifact cache, pydantic schemas
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _env(regions: tuple[str, ...]) -> dict[str, str]:
    return {"PRIMARY_REGION": regions[0], "SECONDARY_REGIONS": ",".join(regions[1:]) or "[]"}


def run(quick: bool = False) -> list[Measurement]:
    from trade_pipeline.packaging import build_lambda_artifact
    from trade_pipeline.preview import load_stack_config

    repeats = 3 if quick else REPEATS
    stack_config = load_stack_config("dev", REPO)
    artifact = build_lambda_artifact()
    results: list[Measurement] = []
    one_region = None
    for count, regions in REGION_SETS.items():
        measurement = _program_vs_floor(stack_config, artifact, regions, repeats)
        results.append(measurement)
        one_region = one_region or measurement.subject_s
        if count > 1:
            results.append(
                Measurement(f"  {count} regions vs 1 region", measurement.subject_s, one_region)
            )
    results.append(_command_vs_import(repeats))
    return results


def _program_vs_floor(
    stack_config: dict[str, Any], artifact: Any, regions: tuple[str, ...], repeats: int
) -> Measurement:
    """The program in ``regions`` vs as many bare queues through the same engine and provider."""
    import pulumi
    import pulumi_aws as aws

    from trade_pipeline.preview import run_preview

    plan = run_preview(stack_config, environ=_env(regions), artifact=artifact)
    resources = len(plan.resources)

    def program() -> None:
        run_preview(stack_config, environ=_env(regions), artifact=artifact)

    def floor() -> None:
        region = regions[0]

        def bare(_config: object) -> None:
            provider = aws.Provider(f"aws-{region}", region=region)
            opts = pulumi.ResourceOptions(provider=provider)
            for index in range(resources - 1):
                aws.sqs.Queue(f"q{index}", name=f"q{index}", opts=opts)

        run_preview(stack_config, environ=_env(regions), program=bare)

    program_s = _median_seconds(program, repeats)
    floor_s = _median_seconds(floor, repeats)
    note = f"{len(plan.aws_resources())} AWS resources, median of {repeats}"
    name = f"preview {len(regions)} region(s) vs engine floor"
    return Measurement(name, program_s, floor_s, note=note)


def _command_vs_import(repeats: int) -> Measurement:
    """The whole ``trade-pipeline preview`` command vs ``import pulumi_aws``, fresh interpreters."""
    cli_samples, import_samples = [], []
    for _ in range(max(3, repeats // 2)):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "trade_pipeline.cli", "preview", "--stack", "dev"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        cli_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pulumi_aws"], check=True)
        import_samples.append(time.perf_counter() - started)
    return Measurement(
        "`trade-pipeline preview` vs import pulumi_aws",
        statistics.median(cli_samples),
        statistics.median(import_samples),
        note="fresh interpreters, 3 regions",
    )
