"""The built pack starts the way the Pulumi CLI starts a local pack, from its own virtualenv.

For a pack folder the CLI's Python language host runs ``<virtualenv>/bin/python -u -m
pulumi.policy <engine address> <pack folder>`` with the pack folder as working directory
(``RunPlugin``, sdk/python/cmd/pulumi-language-python/main.go of pulumi/pulumi); the pack
prints the port of its gRPC server on stdout (``PolicyPack.__init__``, pulumi-policy); the CLI
then calls ``Handshake`` and ``GetAnalyzerInfo`` (``NewPolicyAnalyzer``,
pkg/resource/plugin/analyzer_plugin.go; ``pulumi policy publish`` reads the policies that way)
and ``Analyze`` per resource. This test does exactly that, as the engine, with the pack's own
interpreter: ``make policy-pack`` must have created it (the CLI installs nothing first).

Building the virtualenv installs ``policy/requirements.txt`` from the package index: slow.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from trade_pipeline.policies import RULES
from trade_pipeline.policy_pack import build_pack

pytestmark = pytest.mark.slow

ENGINE = "127.0.0.1:1"  # never dialled: the pack only serves
STARTUP_BOUND = 120.0  # seconds for the pack to print its port (a bound, not a measurement)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_pack(tmp_path_factory.mktemp("built") / "policy-pack", venv=True)


def _first_line(process: subprocess.Popen[str]) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    try:
        return lines.get(timeout=STARTUP_BOUND)
    except queue.Empty:
        pytest.fail("the pack printed no port")


@pytest.fixture(scope="module")
def analyzer(pack: Path) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    process = subprocess.Popen(
        [
            str(pack / "venv" / "bin" / "python"),
            "-u",
            "-m",
            "pulumi.policy",
            "127.0.0.1:1",
            str(pack),
        ],
        cwd=pack,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(process)
        assert line.strip().isdigit(), line + (process.stderr.read() if process.stderr else "")
        channel = grpc.insecure_channel(f"127.0.0.1:{line.strip()}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=30)


def test_the_pack_runs_on_its_own_interpreter(pack: Path) -> None:
    interpreter = pack / "venv" / "bin" / "python"
    probe = subprocess.run(
        [
            str(interpreter),
            "-c",
            "import pulumi_policy, trade_pipeline; print(trade_pipeline.__file__)",
        ],
        cwd=pack,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).is_relative_to(pack)  # the pack's copy, not src/


def test_the_cli_handshake_and_policy_listing_answer(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, pack: Path
) -> None:
    try:
        analyzer.Handshake(
            analyzer_pb2.AnalyzerHandshakeRequest(
                engine_address=ENGINE, root_directory=str(pack), program_directory=str(pack)
            )
        )
    except grpc.RpcError as error:  # the CLI accepts a pack without Handshake
        assert error.code() == grpc.StatusCode.UNIMPLEMENTED

    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())

    assert info.name == "trade-pipeline"
    assert [p.name for p in info.policies] == [r.name for r in RULES]


def test_the_running_pack_reports_a_violation(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    properties = struct_pb2.Struct()
    properties.update({"tracingConfig": {"mode": "PassThrough"}, "runtime": "python3.14"})
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:lambda/function:Function",
        properties=properties,
        urn="urn:pulumi:prod::trade-pipeline::aws:lambda/function:Function::fn",
        name="fn",
    )

    response = analyzer.Analyze(request)

    names = {d.policyName for d in response.diagnostics}
    assert "lambda-tracing-active" in names
    (tracing,) = [d for d in response.diagnostics if d.policyName == "lambda-tracing-active"]
    assert "mode='Active'" in tracing.message
