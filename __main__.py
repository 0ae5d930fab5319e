"""Pulumi entry point. Everything lives in the trade_pipeline package; see README.md.

``pulumi install`` (and Pulumi Deployments) set the program up from ``requirements.txt`` alone:
a hash-locked file of third-party packages, which cannot name this project (a local path has
no single file to hash). So the program puts its own ``src`` first on the import path instead
of relying on an install of the project; ``make venv`` installs the project too (for the
``trade-pipeline`` command), and both ways import the same files.
"""

from __future__ import annotations

import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from trade_pipeline.stack import run_program  # noqa: E402  (needs SRC on the path first)

run_program()
