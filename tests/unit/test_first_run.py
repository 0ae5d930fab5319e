"""The first run explains itself: an unreachable package index is one line naming it; the
Makefile refuses a Python older than 3.11 before installing anything, and rebuilds a .venv of
an older or broken Python."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.repository import REPO
from trade_pipeline import packaging


@pytest.mark.slow
def test_an_unreachable_index_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)

    with pytest.raises(packaging.IndexUnreachableError) as failed:
        packaging.build_lambda_artifact(out_dir=tmp_path, force=True)

    (line,) = str(failed.value).splitlines()
    assert "http://127.0.0.1:9" in line and "needs the package index once" in line


# A stand-in python: answers the version check with $FAKE_OLD, --version with its version,
# `-m venv DIR` with a venv holding a new stand-in, anything else (pip) by logging it.
FAKE = """#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1" in
  -c) exit "${FAKE_OLD:-0}" ;;
  --version) [ "${FAKE_OLD:-0}" = 1 ] && echo "Python 3.10.14" || echo "Python 3.12.3" ;;
  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; fi ;;
esac
"""


def _make(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    for name in ("Makefile", "requirements-dev.txt", "pyproject.toml"):
        if not (tmp_path / name).exists():
            shutil.copy(REPO / name, tmp_path / name)
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE)
    fake.chmod(0o755)
    environ = {**os.environ, "FAKE_LOG": str(tmp_path / "log"), **env}
    return subprocess.run(
        ["make", "--no-print-directory", "venv", f"PYTHON={fake}"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
    )


def test_an_old_python_is_refused_in_one_line_before_anything_is_installed(
    tmp_path: Path,
) -> None:
    result = _make(tmp_path, FAKE_OLD="1")

    assert result.returncode != 0
    (line,) = [entry for entry in result.stderr.splitlines() if not entry.startswith("make")]
    assert "needs Python 3.11+" in line and "3.10.14" in line
    assert not (tmp_path / ".venv").exists()
    assert "install" not in (tmp_path / "log").read_text()


def test_a_venv_of_an_older_python_is_rebuilt(tmp_path: Path) -> None:
    old = tmp_path / ".venv" / "bin"
    old.mkdir(parents=True)
    (old / "python").write_text("#!/bin/sh\nexit 1\n")  # broken: answers nothing
    (old / "python").chmod(0o755)
    (tmp_path / ".venv" / "leftover").write_text("")

    result = _make(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "rebuilding it" in result.stdout
    assert not (tmp_path / ".venv" / "leftover").exists()
    assert "installing the locked dependencies" in result.stdout
    assert (tmp_path / ".venv" / ".installed-stamp").exists()
