"""Assemble the CrossGuard pack as one self-contained folder, ready for ``pulumi policy publish``.

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
- ``pack-metadata.json`` and ``README.md``: where the rules are documented, for the console.

Run as ``make policy-pack`` (``python -m trade_pipeline.policy_pack DEST [--docs-url URL]``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, Final

__all__ = [
    "PACK_FILES",
    "PROJECT_ROOT",
    "build_pack",
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


def build_pack(dest: Path, *, docs_url: str | None = None, root: Path = PROJECT_ROOT) -> Path:
    """Write the self-contained pack into ``dest`` (emptied first) and return it."""
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
        ".gitignore": "venv/\n__pycache__/\n",
    }
    for name in PACK_FILES:
        (dest / name).write_text(contents[name])
    _copy_packages(root, dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    """``python -m trade_pipeline.policy_pack DEST [--docs-url URL]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m trade_pipeline.policy_pack")
    parser.add_argument("dest", type=Path, help="folder to write (emptied first)")
    parser.add_argument(
        "--docs-url",
        help="published docs/policies.md, linked from each policy in the Pulumi console "
        "(default: from the git remote origin, when it is on GitHub)",
    )
    args = parser.parse_args(argv)
    docs_url = args.docs_url or docs_url_from_git()
    try:
        dest = build_pack(args.dest, docs_url=docs_url)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: policy pack: {exc}\n")
        return 2
    links = f"policies link to {docs_url}" if docs_url else "no documentation links (no --docs-url)"
    sys.stdout.write(f"policy pack written to {dest} ({links}): pulumi policy publish {dest}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
