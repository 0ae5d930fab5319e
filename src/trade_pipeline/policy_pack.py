"""Assemble the CrossGuard pack as one self-contained folder that runs and publishes.

``policy/`` runs in place with the project's virtualenv (``../.venv``), which is fine on a
developer's machine and useless once published: Pulumi installs a published pack from its own
folder, where ``..`` does not exist. :func:`build_pack` writes a folder that needs nothing else:

- ``PulumiPolicy.yaml``: the pip toolchain with a virtualenv of the pack's own (``venv``);
- ``__main__.py``: ``policy/__main__.py``, unchanged;
- ``requirements.txt``: ``policy/requirements.txt``, the hash-locked dependencies of the rules
  (``make lock`` writes it);
- ``trade_pipeline/`` and ``trade_processor/``: copies of the project's packages, those of its
  wheel (the rules live in the first and import parts of both; the pack runs from its folder,
  which Pulumi puts first on the import path);
- ``pack-metadata.json`` and ``README.md``: where the rules are documented, for the console;
- ``.gitignore``: ``venv/`` and ``__pycache__/``, so publishing uploads neither;
- ``venv/``: the virtualenv with ``requirements.txt`` installed.

Why the builder creates ``venv/``: for a local pack (``--policy-pack DIR``, and ``pulumi policy
publish``, which starts the pack to read its policies) the CLI runs ``<venv>/bin/python -u -m
pulumi.policy <engine> <pack dir>`` and installs nothing first (``RunPlugin`` of the Python
language host never calls ``EnsureVenv``: sdk/python/cmd/pulumi-language-python/main.go of
pulumi/pulumi). Only ``pulumi install`` run in the pack folder does (``pulumi -C DIR install``:
pkg/cmd/pulumi/install/install.go), and a published pack is installed by the consumer's CLI
(``installRequiredPolicy``, pkg/backend/httpstate/policypack.go).

Why the pack is built outside the repository (a temporary folder by default): publishing
uploads the folder minus whatever any ``.gitignore`` of it or above it ignores
(:mod:`trade_pipeline.pack_archive`), and the repository ignores ``build/``. The builder
checks that rule where it writes the pack and refuses a place that would drop a file.

Run as ``make policy-pack`` (``python -m trade_pipeline.policy_pack [DEST] [--docs-url URL]
[--no-venv]``); then ``pulumi preview --policy-pack DEST`` runs it and ``pulumi -C DEST policy
publish [ORG]`` publishes it (publish reads the pack from the working directory; its only
argument is the organization: policy_publish.go).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Final

from trade_pipeline.pack_archive import archive

__all__ = [
    "PACK_FILES",
    "PROJECT_ROOT",
    "UNPUBLISHED",
    "build_pack",
    "check_archive",
    "create_venv",
    "default_pack_dir",
    "docs_url_from_git",
    "main",
    "project_packages",
]

PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]
# Files of the pack besides the package copy, in the order they are written.
PACK_FILES: Final = (
    "PulumiPolicy.yaml",
    "__main__.py",
    "requirements.txt",
    "pack-metadata.json",
    "README.md",
    ".gitignore",
)
DOCS_PATH: Final = "docs/policies.md"
# What the pack's own .gitignore keeps out of the published archive (its consumers install
# the dependencies themselves; caches are the interpreter's).
UNPUBLISHED: Final = ("venv/", "__pycache__/")


def default_pack_dir() -> Path:
    """Where ``make policy-pack`` writes the pack: outside any repository's ignored folders."""
    return Path(tempfile.gettempdir()) / "trade-pipeline-policy-pack"


def _pyproject(root: Path) -> dict[str, Any]:
    return tomllib.loads((root / "pyproject.toml").read_text())


def _project_version(root: Path) -> str:
    return str(_pyproject(root)["project"]["version"])


def project_packages(root: Path = PROJECT_ROOT) -> list[Path]:
    """The package folders of the project's wheel (``src/trade_pipeline``, ``src/trade_processor``).

    All of them, not only the rules' modules: the rules import other parts of the project (a
    component's check, the processor's event types), and a module missing from a published pack
    only shows when Pulumi runs it.
    """
    wheel = _pyproject(root)["tool"]["hatch"]["build"]["targets"]["wheel"]
    return [root / package for package in wheel["packages"]]


def _pulumi_policy_yaml(version: str) -> str:
    return (
        "# Built by `make policy-pack` (trade_pipeline.policy_pack); do not edit here.\n"
        "description: Compliance rules of the multi-region trading-event pipeline "
        "(mandatory rules block)\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    toolchain: pip\n"
        "    virtualenv: venv\n"
        f"version: {version}\n"
    )


def _readme(docs_url: str | None) -> str:
    where = f"[docs/policies.md]({docs_url})" if docs_url else "docs/policies.md of trade-pipeline"
    return (
        "# trade-pipeline compliance rules\n\n"
        "The rules the offline preview of trade-pipeline runs, enforced by CrossGuard: mandatory "
        "rules block an update, advisory rules warn. Each policy names what to change when it "
        f"fails; rules, sources and waivers are described in {where}.\n"
    )


def docs_url_from_git(root: Path = PROJECT_ROOT) -> str | None:
    """docs/policies.md on GitHub, from the ``origin`` remote and the checked-out commit.

    None when there is no GitHub remote: the pack is then built without links.
    """
    try:
        remote = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.fullmatch(r"(?:https://|git@)github\.com[/:]([^/]+/[^/]+?)(?:\.git)?", remote)
    if match is None:
        return None
    return f"https://github.com/{match[1]}/blob/{commit}/{DOCS_PATH}"


def _repository(docs_url: str | None) -> str | None:
    match = re.match(r"(https://github\.com/[^/]+/[^/]+)/blob/", docs_url or "")
    return match[1] if match else None


def _copy_packages(root: Path, dest: Path) -> None:
    for package in project_packages(root):
        shutil.copytree(
            package, dest / package.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )


def check_archive(dest: Path) -> None:
    """Refuse a pack of which ``pulumi policy publish`` would leave a file out, or upload the
    virtualenv (the CLI's archive rule: :mod:`trade_pipeline.pack_archive`)."""
    result = archive(dest)
    lost = {
        path: why
        for path, why in result.dropped.items()
        if not path.startswith(tuple(UNPUBLISHED)) and "/__pycache__/" not in f"/{path}"
    }
    if lost:
        path, why = next(iter(sorted(lost.items())))
        raise ValueError(
            f"{dest}: `pulumi policy publish` would leave out {len(lost)} file(s) of the pack, "
            f"e.g. {path} (ignored by {why}): build it outside ignored folders"
        )
    uploaded = [p for p in result.kept if p.startswith(tuple(UNPUBLISHED))]
    if uploaded:
        raise ValueError(f"{dest}: publishing would upload {uploaded[0]}")


def create_venv(dest: Path, python: str = sys.executable) -> Path:
    """``dest/venv`` with ``dest/requirements.txt`` installed (hash-checked), as ``pulumi -C
    dest install`` would make it; returns its interpreter. Needs the package index."""
    venv = dest / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    interpreter = venv / "bin" / "python"
    pip = [str(interpreter), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run([*pip, "--require-hashes", "-r", str(dest / "requirements.txt")], check=True)
    return interpreter


def build_pack(
    dest: Path,
    *,
    docs_url: str | None = None,
    root: Path = PROJECT_ROOT,
    venv: bool = False,
) -> Path:
    """Write the self-contained pack into ``dest`` (emptied first) and return it; with
    ``venv``, its virtualenv too. Refuses a ``dest`` whose ignore rules would drop a file."""
    lock = root / "policy" / "requirements.txt"
    if "--hash=" not in lock.read_text():
        raise ValueError(f"{lock} is not hash-locked: run `make lock`")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    metadata = {"docs_url": docs_url, "repository": _repository(docs_url)}
    contents = {
        "PulumiPolicy.yaml": _pulumi_policy_yaml(_project_version(root)),
        "__main__.py": (root / "policy" / "__main__.py").read_text(),
        "requirements.txt": lock.read_text(),
        "pack-metadata.json": json.dumps(
            {k: v for k, v in metadata.items() if v}, indent=2, sort_keys=True
        )
        + "\n",
        "README.md": _readme(docs_url),
        ".gitignore": "".join(f"{pattern}\n" for pattern in UNPUBLISHED),
    }
    for name in PACK_FILES:
        (dest / name).write_text(contents[name])
    _copy_packages(root, dest)
    check_archive(dest)  # before the (slow) install
    if venv:
        create_venv(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    """``python -m trade_pipeline.policy_pack [DEST] [--docs-url URL] [--no-venv]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m trade_pipeline.policy_pack")
    parser.add_argument(
        "dest",
        type=Path,
        nargs="?",
        default=default_pack_dir(),
        help=f"folder to write (emptied first; default {default_pack_dir()})",
    )
    parser.add_argument(
        "--docs-url",
        help="published docs/policies.md, linked from each policy in the Pulumi console "
        "(default: from the git remote origin, when it is on GitHub)",
    )
    parser.add_argument(
        "--no-venv", action="store_true", help="skip the virtualenv (then: pulumi -C DEST install)"
    )
    args = parser.parse_args(argv)
    docs_url = args.docs_url or docs_url_from_git()
    try:
        dest = build_pack(args.dest.absolute(), docs_url=docs_url, venv=not args.no_venv)
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        sys.stderr.write(f"error: policy pack: {exc}\n")
        return 2
    links = f"policies link to {docs_url}" if docs_url else "no documentation links (no --docs-url)"
    sys.stdout.write(
        f"policy pack written to {dest} ({links}).\n"
        f"  enforce it: pulumi preview --policy-pack {dest}\n"
        f"  publish it: pulumi -C {dest} policy publish [<org>]\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
