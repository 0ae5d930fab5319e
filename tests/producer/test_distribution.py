"""`producer/` builds `trade_producer` as a distribution of its own: boto3, never Pulumi.

What this proves, and what it does not:
- the module list of `producer/pyproject.toml` is exactly what `trade_producer` imports from the
  repository (a fast test over the imports), and nothing else outside the standard library but
  boto3/botocore;
- the wheel builds offline from a copy of the sources (setuptools from the project venv, no
  build isolation), declares boto3 as its only requirement, and installs with `--no-index` into
  a fresh virtualenv that sees nothing but boto3's own installed closure: a requirement on
  pulumi (or anything else not in that closure) would make the install fail. There it imports
  and builds an event, and `pulumi` / `pydantic` cannot be imported.
It does not download boto3 (the closure is the project venv's installed copy), so it does not
prove the published boto3 range resolves on PyPI.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRODUCER = REPO / "producer" / "pyproject.toml"
SRC = REPO / "src"
ALLOWED_THIRD_PARTY = {"boto3", "botocore"}


def _imports(path: Path) -> set[str]:
    """Modules a file imports at run time (imports under `if TYPE_CHECKING:` left out)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from package import module` imports the module too
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def _closure() -> tuple[set[str], set[str]]:
    """(repository modules reached from trade_producer, third-party top-level names)."""
    todo = [p.relative_to(SRC) for p in (SRC / "trade_producer").glob("*.py")]
    seen: set[str] = set()
    third_party: set[str] = set()
    while todo:
        rel = todo.pop()
        module = ".".join(rel.with_suffix("").parts)
        if module in seen:
            continue
        seen.add(module)
        for name in _imports(SRC / rel):
            top = name.split(".")[0]
            if top in {"trade_producer", "trade_processor"}:
                path = Path(*name.split("."))
                for candidate in (path.with_suffix(".py"), path / "__init__.py"):
                    if (SRC / candidate).is_file():  # else a name defined in a module
                        todo.append(candidate)
            elif top not in sys.stdlib_module_names:
                third_party.add(top)
    return {m for m in seen if m.startswith("trade_processor.")}, third_party


def test_the_distribution_lists_exactly_the_processor_modules_the_producer_imports() -> None:
    setuptools = tomllib.loads(PRODUCER.read_text())["tool"]["setuptools"]
    processor_modules, third_party = _closure()

    assert set(setuptools["py-modules"]) == processor_modules
    assert setuptools["packages"] == ["trade_producer"]
    assert third_party <= ALLOWED_THIRD_PARTY


def test_the_distribution_requires_boto3_only() -> None:
    project = tomllib.loads(PRODUCER.read_text())["project"]

    names = {re.split(r"[\s<>=!~\[;]", req, maxsplit=1)[0] for req in project["dependencies"]}
    assert names == {"boto3"}


def _boto3_closure_dir(target: Path) -> Path:
    """A directory holding only boto3 and its installed requirements (symlinks), as site dir."""
    target.mkdir()
    todo, seen = ["boto3"], set()
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        dist = md.distribution(name)
        for req in dist.requires or []:
            if "extra ==" not in req:
                todo.append(re.split(r"[\s<>=!~\[;(]", req, maxsplit=1)[0])
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (target / top).exists():
                (target / top).symlink_to(source)
    return target


def _run(*args: str | Path, env: dict[str, str]) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_wheel_installs_and_imports_in_a_venv_with_only_boto3(tmp_path: Path) -> None:
    # Build from a copy, so the in-place build leaves nothing in the repository.
    shutil.copytree(REPO / "producer", tmp_path / "repo" / "producer", symlinks=True)
    shutil.copy(REPO / "LICENSE", tmp_path / "repo" / "LICENSE")
    for package in ("trade_producer", "trade_processor"):
        shutil.copytree(SRC / package, tmp_path / "repo" / "src" / package)
    # No pip configuration of this machine, no index: everything below is offline.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}
    env = {k: v for k, v in env.items() if k not in {"PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"}}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run(*pip, "wheel", "--no-build-isolation", "--no-deps", "-w", tmp_path / "dist",
         tmp_path / "repo" / "producer", env=env)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("trade_producer-*.whl")

    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", fresh], check=True)
    python = fresh / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                     env=env).strip())  # fmt: skip
    boto3_only = _boto3_closure_dir(tmp_path / "boto3-closure")
    (site / "boto3-closure.pth").write_text(f"{boto3_only}\n")
    _run(*pip, "--python", python, "install", "--no-index", wheel, env=env)

    check = (
        "import importlib.util, sys, trade_producer\n"
        "from decimal import Decimal\n"
        "e = trade_producer.order_placed(order_id='O-1', account_id='A-1', symbol='X',"
        " side='BUY', quantity=Decimal('1'), price=Decimal('2'), currency='USD')\n"
        "assert e.detail_type == 'OrderPlaced'\n"
        "assert trade_producer.__file__.startswith(sys.prefix), trade_producer.__file__\n"
        "for name in ('pulumi', 'pulumi_aws', 'pydantic', 'aws_lambda_powertools'):\n"
        "    assert importlib.util.find_spec(name) is None, name\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'boto3', 'botocore'})[:1])\n"
    )
    assert "botocore" in _run(python, "-c", check, env=env)


def test_the_readme_install_line_names_this_distribution() -> None:
    readme = (REPO / "README.md").read_text()
    (path,) = re.findall(r"^pip install (\./\S+)", readme, re.M)

    assert (REPO / path / "pyproject.toml").resolve() == PRODUCER
    assert tomllib.loads(PRODUCER.read_text())["project"]["name"] == "trade-producer"
