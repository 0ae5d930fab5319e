"""The repository's own files, as a user who clones it has them."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["REPO", "repository_files"]

REPO = Path(__file__).resolve().parents[2]


def repository_files() -> list[str]:
    """Paths (relative, POSIX) of the tracked files and of new files git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [name for name in listed if (REPO / name).is_file()]
