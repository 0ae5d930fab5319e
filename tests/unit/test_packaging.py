"""The Lambda artifact: reproducible, cached, and holding only what the function needs."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from trade_pipeline import packaging
from trade_pipeline.packaging import LambdaArtifact, PackagingError, build_lambda_artifact


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> LambdaArtifact:
    """One forced arm64 build, shared by the content tests."""
    return build_lambda_artifact(out_dir=tmp_path_factory.mktemp("first"), force=True)


@pytest.fixture(scope="module")
def names(built: LambdaArtifact) -> list[str]:
    with zipfile.ZipFile(built.path) as archive:
        return archive.namelist()


@pytest.mark.slow
def test_two_forced_builds_are_byte_identical(built: LambdaArtifact, tmp_path: Path) -> None:
    second = build_lambda_artifact(out_dir=tmp_path, force=True)

    assert second.sha256_hex == built.sha256_hex
    assert second.path.read_bytes() == built.path.read_bytes()


@pytest.mark.slow
def test_the_recorded_hashes_describe_the_zip(built: LambdaArtifact) -> None:
    data = built.path.read_bytes()
    digest = hashlib.sha256(data)

    assert built.sha256_hex == digest.hexdigest()
    assert built.source_code_hash == base64.b64encode(digest.digest()).decode()
    assert built.size_bytes == len(data)
    sidecar = built.path.with_name(built.path.name + ".sha256").read_text()
    assert sidecar == f"{digest.hexdigest()}  {built.path.name}\n"
    manifest = json.loads(built.path.with_suffix(".json").read_text())
    assert manifest["sha256"] == digest.hexdigest()
    assert manifest["architecture"] == "arm64"
    assert manifest["runtime"] == "python3.14"


@pytest.mark.slow
def test_the_zip_holds_the_handler_and_the_runtime_dependencies(names: list[str]) -> None:
    assert "trade_processor/handler.py" in names
    assert "trade_processor/table_schema.py" in names
    assert any(name.startswith("aws_lambda_powertools/logging/") for name in names)
    # licences of bundled dependencies travel with them
    assert any(".dist-info/" in name and "LICENSE" in name.upper() for name in names)


@pytest.mark.slow
def test_the_zip_has_no_tests_caches_dev_or_infrastructure_code(names: list[str]) -> None:
    top_level = {name.split("/")[0] for name in names}
    forbidden = {"tests", "moto", "pytest", "hypothesis", "pulumi", "pulumi_aws", "pydantic"}
    forbidden |= {"boto3", "botocore", "trade_pipeline", "benchmarks", "bin"}
    assert top_level.isdisjoint(forbidden)
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if "/tests/" in n or "/test/" in n]
    per_install = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
    assert not [n for n in names if ".dist-info/" in n and n.rsplit("/", 1)[1] in per_install]


@pytest.mark.slow
def test_entries_are_sorted_with_fixed_times_and_modes(built: LambdaArtifact) -> None:
    with zipfile.ZipFile(built.path) as archive:
        infos = archive.infolist()

    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


@pytest.mark.slow
def test_an_unchanged_build_comes_from_the_cache_without_pip(
    built: LambdaArtifact, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pip(arguments: object) -> None:
        raise AssertionError("pip must not run for a cached artifact")

    monkeypatch.setattr(packaging, "_run_pip", no_pip)

    again = build_lambda_artifact(out_dir=built.path.parent)

    assert again == built


@pytest.mark.slow
def test_a_damaged_cached_zip_is_rebuilt(tmp_path: Path) -> None:
    first = build_lambda_artifact(out_dir=tmp_path)
    first.path.write_bytes(b"truncated")

    again = build_lambda_artifact(out_dir=tmp_path)

    assert again.sha256_hex == first.sha256_hex
    assert again.path.read_bytes() != b"truncated"


def test_the_inputs_key_depends_on_runtime_architecture_and_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "handler.py"
    source.write_text("VERSION = 1\n")
    monkeypatch.setattr(packaging, "_processor_files", lambda: {"trade_processor/h.py": source})
    base = packaging.inputs_key(runtime="python3.14", architecture="arm64")

    assert base == packaging.inputs_key(runtime="python3.14", architecture="arm64")
    assert base != packaging.inputs_key(runtime="python3.13", architecture="arm64")
    assert base != packaging.inputs_key(runtime="python3.14", architecture="x86_64")
    source.write_text("VERSION = 2\n")
    assert base != packaging.inputs_key(runtime="python3.14", architecture="arm64")


def test_the_lock_pins_every_package_of_the_lambda_extra() -> None:
    lock = (packaging.PROJECT_ROOT / packaging.LOCK_FILE_NAME).read_text()
    pinned = packaging._pinned_requirements()

    assert packaging.lambda_requirements(), "the lambda extra is empty"
    assert all("==" in line for line in pinned)
    assert lock.count("--hash=sha256:") >= len(pinned)
    # boto3/botocore come with the Lambda runtime and are not pinned into the zip
    assert not [line for line in pinned if line.startswith(("boto3==", "botocore=="))]


def test_a_stale_lock_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        packaging, "lambda_requirements", lambda pyproject=None: ["aws-lambda-powertools", "rich"]
    )

    with pytest.raises(PackagingError, match=r"does not pin 'rich'.*--lock"):
        packaging._pinned_requirements()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"runtime": "nodejs22.x"}, "runtime='nodejs22.x'"),
        ({"runtime": "python3"}, "runtime='python3'"),
        ({"architecture": "aarch64"}, "architecture='aarch64': must be one of arm64, x86_64"),
    ],
)
def test_bad_arguments_are_named(arguments: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match=message):
        build_lambda_artifact(out_dir=tmp_path, **arguments)  # type: ignore[arg-type]


def test_the_command_prints_path_size_and_sha256(
    built: LambdaArtifact, capsys: pytest.CaptureFixture[str]
) -> None:
    assert packaging.main(["--out-dir", str(built.path.parent)]) == 0

    out = capsys.readouterr().out
    assert f"sha256: {built.sha256_hex}" in out
    assert f"size:   {built.size_bytes} bytes" in out
    assert built.path.name in out


def test_the_command_reports_errors_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert packaging.main(["--runtime", "ruby3.4"]) == 1
    assert capsys.readouterr().err.startswith("error: runtime='ruby3.4'")
