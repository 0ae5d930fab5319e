"""Reproducible build of the Lambda artifact: ``trade_processor`` plus its runtime dependencies.

The zip holds the ``trade_processor`` package (sources only) and the wheels pinned in
``lambda-requirements.txt`` installed for the Lambda platform (manylinux, the function's
architecture, the runtime's CPython version). boto3/botocore are not bundled: the Lambda Python
runtime provides them (``docs/processor.md`` gives the reasons).

Reproducible: entries sorted, every timestamp 1980-01-01 00:00, every file mode 0644, no
``__pycache__``/``.pyc``, no per-install wheel records (``RECORD``, ``INSTALLER``,
``REQUESTED``, ``direct_url.json``), dependencies pinned with hashes. Two builds of the same
inputs are byte-identical, so Pulumi's ``source_code_hash`` changes only with the content.

Cached: the inputs (processor sources, the lock file, the ``lambda`` extra, runtime,
architecture and this builder's own source) are hashed into a key stored in the manifest beside
the zip; a call whose key matches returns the existing artifact after re-hashing the zip.

Outputs, in ``build/lambda/``::

    trade-processor-python3.14-arm64.zip          the artifact
    trade-processor-python3.14-arm64.zip.sha256   "<hex>  <file name>" (sha256sum -c format)
    trade-processor-python3.14-arm64.json         manifest: hashes, size, inputs key, deps

Example
-------
>>> artifact = build_lambda_artifact(architecture="arm64")  # doctest: +SKIP
>>> aws.lambda_.Function(..., code=pulumi.FileArchive(str(artifact.path)),
...                      source_code_hash=artifact.source_code_hash)  # doctest: +SKIP

Command line (``make package``)::

    python -m trade_pipeline.packaging [--runtime python3.14] [--architecture arm64] [--force]
    python -m trade_pipeline.packaging --lock     # re-pin lambda-requirements.txt from the extra
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from trade_pipeline.errors import EnvironmentProblem

__all__ = [
    "ARCHITECTURES",
    "LOCK_FILE_NAME",
    "IndexUnreachableError",
    "LambdaArtifact",
    "PackagingError",
    "build_lambda_artifact",
    "inputs_key",
    "lambda_requirements",
    "lock_lambda_requirements",
    "main",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROCESSOR_PACKAGE = "trade_processor"
LOCK_FILE_NAME = "lambda-requirements.txt"
ARTIFACT_NAME = "trade-processor"

ARCHITECTURES: dict[str, str] = {"arm64": "aarch64", "x86_64": "x86_64"}
"""Lambda architecture -> the machine name in manylinux platform tags."""

# Lambda's python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34): any of these wheels runs.
_MANYLINUX_TAGS = ("manylinux_2_34", "manylinux_2_28", "manylinux2014")
_RUNTIME = re.compile(r"python(3)\.(\d{1,2})")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644  # regular file, rw-r--r--
# Per-install records that differ between builds or say nothing about the content.
_DROPPED_DIST_INFO = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


class PackagingError(RuntimeError):
    """The artifact cannot be built (bad argument, pip failure, stale lock file)."""


class IndexUnreachableError(PackagingError, EnvironmentProblem):
    """pip cannot reach the package index (or it lacks the pinned wheels): one line."""


@dataclass(frozen=True)
class LambdaArtifact:
    """A built Lambda zip and its content hash."""

    path: Path
    """The zip."""
    sha256_hex: str
    source_code_hash: str
    """Base64 of the SHA-256 digest: what ``aws.lambda_.Function(source_code_hash=...)`` wants."""
    size_bytes: int

    @classmethod
    def of(cls, path: Path, data: bytes) -> LambdaArtifact:
        """The artifact at ``path`` whose content is ``data``: both hashes from one digest."""
        digest = hashlib.sha256(data)
        return cls(
            path=path,
            sha256_hex=digest.hexdigest(),
            source_code_hash=base64.b64encode(digest.digest()).decode("ascii"),
            size_bytes=len(data),
        )


def artifact_paths(
    runtime: str, architecture: str, out_dir: Path | None = None
) -> tuple[Path, Path, Path]:
    """The zip, its ``.sha256`` and its manifest, as :func:`build_lambda_artifact` writes them
    (``out_dir`` default: ``<project>/build/lambda``)."""
    out_dir = Path(out_dir) if out_dir is not None else PROJECT_ROOT / "build" / "lambda"
    stem = f"{ARTIFACT_NAME}-{runtime}-{architecture}"
    return out_dir / f"{stem}.zip", out_dir / f"{stem}.zip.sha256", out_dir / f"{stem}.json"


def build_lambda_artifact(
    *,
    runtime: str = "python3.14",
    architecture: str = "arm64",
    out_dir: Path | None = None,
    force: bool = False,
) -> LambdaArtifact:
    """Build (or reuse) the Lambda zip for ``runtime`` on ``architecture``.

    Parameters
    ----------
    runtime
        A Lambda Python runtime identifier, e.g. ``python3.14``.
    architecture
        ``arm64`` or ``x86_64``.
    out_dir
        Where the zip, ``.sha256`` and manifest go; default ``<project>/build/lambda``.
    force
        Rebuild even when the cached artifact matches the inputs.
    """
    python_version = _python_version(runtime)
    machine = _machine(architecture)
    zip_path, sha256_path, manifest_path = artifact_paths(runtime, architecture, out_dir)
    key = inputs_key(runtime=runtime, architecture=architecture)

    if not force:
        cached = _cached_artifact(zip_path, manifest_path, key)
        if cached is not None:
            return cached

    zip_path.parent.mkdir(parents=True, exist_ok=True)
    pinned = _pinned_requirements()  # a stale lock fails before pip runs
    artifact, file_count = _build_zip(zip_path, python_version=python_version, machine=machine)
    _atomic_write(
        sha256_path,
        f"{artifact.sha256_hex}  {zip_path.name}\n".encode(),
    )
    manifest = {
        "artifact": zip_path.name,
        "sha256": artifact.sha256_hex,
        "source_code_hash": artifact.source_code_hash,
        "size_bytes": artifact.size_bytes,
        "runtime": runtime,
        "architecture": architecture,
        "inputs_key": key,
        "dependencies": pinned,
        "file_count": file_count,
        "zlib_version": zlib.ZLIB_VERSION,
    }
    _atomic_write(manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return artifact


def inputs_key(*, runtime: str, architecture: str) -> str:
    """SHA-256 over everything that decides the zip's content."""
    digest = hashlib.sha256()
    for label, data in _key_inputs(runtime=runtime, architecture=architecture):
        digest.update(label.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def lambda_requirements(pyproject: Path | None = None) -> list[str]:
    """The ``lambda`` extra of pyproject.toml: the function's declared runtime dependencies."""
    path = pyproject or PROJECT_ROOT / "pyproject.toml"
    with path.open("rb") as handle:
        project = tomllib.load(handle)["project"]
    return list(project.get("optional-dependencies", {}).get("lambda", []))


def lock_lambda_requirements(*, runtime: str = "python3.14") -> Path:
    """Resolve the ``lambda`` extra for every architecture and pin it, with hashes, in the lock."""
    python_version = _python_version(runtime)
    wheels: dict[tuple[str, str], set[str]] = {}
    with tempfile.TemporaryDirectory(prefix="lambda-lock-") as work:
        for machine in ARCHITECTURES.values():
            target = Path(work) / machine
            _run_pip(
                [
                    "download",
                    "--dest",
                    str(target),
                    *_platform_args(python_version, machine),
                    *lambda_requirements(),
                ]
            )
            for wheel in sorted(target.glob("*.whl")):
                name, version = wheel.name.split("-")[:2]
                sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
                wheels.setdefault((_normalise(name), version), set()).add(sha)
    lines = [
        f"# Pinned runtime dependencies of the Lambda artifact, for CPython {python_version} on",
        f"# manylinux {' and '.join(ARCHITECTURES.values())}. Generated from the `lambda` extra",
        "# of pyproject.toml by `python -m trade_pipeline.packaging --lock`: do not edit by hand.",
    ]
    for (name, version), hashes in sorted(wheels.items()):
        lines.append(f"{name}=={version} \\")
        lines.extend(f"    --hash=sha256:{sha} \\" for sha in sorted(hashes))
        lines[-1] = lines[-1].removesuffix(" \\")
    lock = PROJECT_ROOT / LOCK_FILE_NAME
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lock


# --- inputs -------------------------------------------------------------------------------


def _key_inputs(*, runtime: str, architecture: str) -> Iterable[tuple[str, bytes]]:
    yield "runtime", runtime.encode()
    yield "architecture", architecture.encode()
    yield "lambda-extra", json.dumps(lambda_requirements()).encode()
    yield "lock", _lock_path().read_bytes()
    yield "builder", Path(__file__).read_bytes()
    for arcname, path in sorted(_processor_files().items()):
        yield f"src:{arcname}", path.read_bytes()


def _processor_files() -> dict[str, Path]:
    """``trade_processor``'s shippable files by archive name (sources and typing marker)."""
    package = PROJECT_ROOT / "src" / PROCESSOR_PACKAGE
    if not (package / "handler.py").is_file():
        raise PackagingError(f"{package}/handler.py not found: is this the project's source tree?")
    files = {}
    for path in package.rglob("*"):
        relative = path.relative_to(package.parent)
        if path.is_file() and _is_shippable(relative) and path.suffix in {".py", ".typed"}:
            files[relative.as_posix()] = path
    return files


def _lock_path() -> Path:
    lock = PROJECT_ROOT / LOCK_FILE_NAME
    if not lock.is_file():
        raise PackagingError(f"{lock} is missing: run `python -m trade_pipeline.packaging --lock`")
    return lock


def _pinned_requirements() -> list[str]:
    """``name==version`` lines of the lock; fails if the extra names a package the lock lacks."""
    text = _lock_path().read_text(encoding="utf-8")
    pinned = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, flags=re.MULTILINE)
    locked = {_normalise(name) for name, _ in pinned}
    for requirement in lambda_requirements():
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        if name is None or _normalise(name.group(0)) not in locked:
            raise PackagingError(
                f"{LOCK_FILE_NAME} does not pin {requirement!r} from the `lambda` extra: "
                "run `python -m trade_pipeline.packaging --lock`"
            )
    return [f"{name}=={version}" for name, version in sorted(pinned)]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _python_version(runtime: str) -> str:
    match = _RUNTIME.fullmatch(runtime)
    if match is None:
        raise PackagingError(
            f"runtime={runtime!r}: must be a Lambda Python runtime like python3.14"
        )
    return f"{match.group(1)}.{match.group(2)}"


def _machine(architecture: str) -> str:
    try:
        return ARCHITECTURES[architecture]
    except KeyError:
        raise PackagingError(
            f"architecture={architecture!r}: must be one of {', '.join(ARCHITECTURES)}"
        ) from None


# --- build ----------------------------------------------------------------------------------


def _platform_args(python_version: str, machine: str) -> list[str]:
    platforms = [arg for tag in _MANYLINUX_TAGS for arg in ("--platform", f"{tag}_{machine}")]
    return [
        *platforms,
        "--only-binary=:all:",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
    ]


def _pip_install(target: Path, *, python_version: str, machine: str) -> None:
    _run_pip(
        [
            "install",
            "--target",
            str(target),
            "--no-deps",  # the lock pins the whole closure
            "--require-hashes",
            "--no-compile",
            *_platform_args(python_version, machine),
            "--requirement",
            str(_lock_path()),
        ]
    )


# pip's words for an index it cannot reach (urllib3's connection errors, name resolution, TLS)
# or that has nothing for the Lambda platform's pins: each retry line names the URL.
_UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Name or service not known|"
    r"Temporary failure in name resolution|ConnectTimeout|ReadTimeout|SSLError|"
    r"ProxyError|Network is unreachable|No matching distribution found"
)


def _configured_index() -> str:
    """pip's index: PIP_INDEX_URL, else its configuration's index-url, else PyPI (pip's default)."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    found = re.search(r"^[\w:]*\.index-url='([^']+)'", listed, re.M)
    return found.group(1) if found else "https://pypi.org/simple"


def _unreachable_line(stderr: str) -> str:
    """One line: which index, and that only the first build needs it."""
    urls = re.findall(r"https?://[^\s'\"/]+", stderr)
    where = urls[0] if urls else _configured_index()
    return (
        f"cannot download the Lambda platform's wheels from {where}: the first preview (or "
        "`make package`) needs the package index once to build the Lambda artifact, later runs "
        "reuse build/lambda/; check the network or set PIP_INDEX_URL to a reachable index"
    )


def _run_pip(arguments: Sequence[str]) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        *arguments,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 and _UNREACHABLE.search(result.stderr):
        raise IndexUnreachableError(_unreachable_line(result.stderr))
    if result.returncode != 0:
        raise PackagingError(
            f"pip failed ({result.returncode}): {' '.join(command)}\n{result.stderr.strip()}"
        )


def _dependency_files(site: Path) -> Iterable[tuple[str, Path]]:
    for path in site.rglob("*"):
        relative = path.relative_to(site)
        if not path.is_file() or relative.parts[0] == "bin" or not _is_shippable(relative):
            continue
        if relative.parts[0].endswith(".dist-info") and relative.name in _DROPPED_DIST_INFO:
            continue
        yield relative.as_posix(), path


def _is_shippable(relative: Path) -> bool:
    if "__pycache__" in relative.parts or relative.suffix in {".pyc", ".pyo"}:
        return False
    return not any(part in {"tests", "test"} for part in relative.parts[1:-1])


def _build_zip(zip_path: Path, *, python_version: str, machine: str) -> tuple[LambdaArtifact, int]:
    """Install the pinned dependencies for the platform, zip them with the processor sources
    into ``zip_path``; the artifact and its number of files."""
    with tempfile.TemporaryDirectory(prefix="lambda-build-") as work:
        site = Path(work) / "site"
        _pip_install(site, python_version=python_version, machine=machine)
        files = dict(_dependency_files(site))
        files.update(_processor_files())
        tmp_zip = Path(work) / zip_path.name
        _write_zip(tmp_zip, files)
        data = tmp_zip.read_bytes()
    # Replace atomically: concurrent builds (pytest-xdist, two stacks) never see half a zip.
    _atomic_write(zip_path, data)
    return LambdaArtifact.of(zip_path, data), len(files)


def _write_zip(path: Path, files: dict[str, Path]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for arcname in sorted(files):
            info = zipfile.ZipInfo(arcname, date_time=_FIXED_TIME)
            info.external_attr = _FILE_MODE << 16
            info.create_system = 3  # unix, so the mode bits are honoured
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[arcname].read_bytes(), compresslevel=9)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cached_artifact(zip_path: Path, manifest_path: Path, key: str) -> LambdaArtifact | None:
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        data = zip_path.read_bytes()
    except (OSError, ValueError):
        return None
    if manifest.get("inputs_key") != key:
        return None
    artifact = LambdaArtifact.of(zip_path, data)
    if artifact.sha256_hex != manifest.get("sha256"):
        return None  # the zip was changed or truncated after the build
    return artifact


# --- command line -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m trade_pipeline.packaging``: build and print path, size and sha256."""
    parser = argparse.ArgumentParser(prog="python -m trade_pipeline.packaging", description=__doc__)
    parser.add_argument("--runtime", default="python3.14")
    parser.add_argument("--architecture", default="arm64", choices=sorted(ARCHITECTURES))
    parser.add_argument("--out-dir", type=Path, default=None)
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    parser.add_argument("--lock", action="store_true", help=f"re-pin {LOCK_FILE_NAME} and exit")
    args = parser.parse_args(argv)
    try:
        if args.lock:
            print(f"pinned: {lock_lambda_requirements(runtime=args.runtime)}")
            return 0
        artifact = build_lambda_artifact(
            runtime=args.runtime,
            architecture=args.architecture,
            out_dir=args.out_dir,
            force=args.force,
        )
    except PackagingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    shown = artifact.path
    if shown.is_relative_to(Path.cwd()):
        shown = shown.relative_to(Path.cwd())
    print(f"path:   {shown}")
    print(f"size:   {artifact.size_bytes} bytes ({artifact.size_bytes / 1_048_576:.2f} MiB)")
    print(f"sha256: {artifact.sha256_hex}")
    print(f"source_code_hash: {artifact.source_code_hash}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
