"""The published CrossGuard pack stands on its own: ``make policy-pack``'s folder names nothing
outside itself, and the rules import and build from that folder alone (``src/`` off the path).

The pack is never run as ``__main__`` here: constructing ``PolicyPack`` starts a blocking gRPC
server, so the subprocess imports the file under another name and calls ``build_policies``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from trade_pipeline.pack_archive import archive
from trade_pipeline.policies import RULES, Severity
from trade_pipeline.policy_pack import (
    PACK_FILES,
    PROJECT_ROOT,
    build_pack,
    default_pack_dir,
    main,
    project_packages,
)

DOCS_URL = "https://github.com/example/trade-pipeline/blob/0123abc/docs/policies.md"

# Runs with the pack folder first on sys.path and every other folder holding one of the
# project's packages (the repository's src/, an editable install's path) taken off it.
PROBE = textwrap.dedent(
    """
    import importlib.util, json, sys
    from importlib.metadata import packages_distributions
    from pathlib import Path

    pack = Path(sys.argv[1])
    ours = ("trade_pipeline", "trade_processor", "trade_producer")
    sys.path[:] = [str(pack)] + [
        p for p in sys.path[1:] if not any((Path(p or ".") / name).is_dir() for name in ours)
    ]
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location("pack_main", pack / "__main__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    policies = module.build_policies(module.pack_metadata().get("docs_url"))
    import trade_pipeline

    dists = packages_distributions()
    imported = {name.split(".")[0] for name in set(sys.modules) - before}
    print(json.dumps({
        "trade_pipeline": trade_pipeline.__file__,
        "policies": [
            {"name": p.name, "level": p.enforcement_level.value, "severity": p.severity.value,
             "url": p.url, "remediation": p.remediation_steps}
            for p in policies
        ],
        "distributions": sorted({d for top in imported for d in dists.get(top, [])}),
    }))
    """
)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_pack(tmp_path_factory.mktemp("pack") / "policy-pack", docs_url=DOCS_URL)


@pytest.fixture(scope="module")
def probe(pack: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(pack)],
        cwd=pack.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    probed: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return probed


def _names(requirements: str) -> set[str]:
    return {
        m[1].lower().replace("_", "-")
        for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", requirements, re.M)
    }


def test_pack_holds_its_files_and_a_virtualenv_of_its_own(pack: Path) -> None:
    packages = {p.name for p in project_packages()}
    assert {"trade_pipeline", "trade_processor"} <= packages
    assert {p.name for p in pack.iterdir()} == {*PACK_FILES, *packages}
    runtime = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())["runtime"]

    assert runtime == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}


def test_nothing_in_the_pack_points_outside_it(pack: Path) -> None:
    for path in pack.rglob("*"):
        assert not path.is_symlink(), path
        assert path.resolve().is_relative_to(pack.resolve()), path
    for name in ("PulumiPolicy.yaml", "requirements.txt", "pack-metadata.json", "__main__.py"):
        text = (pack / name).read_text()
        assert "../" not in text and "..\\" not in text, name
    requirements = (pack / "requirements.txt").read_text()
    assert not re.search(r"^\s*(-e|--editable|-r|-c|\.|/|file:)", requirements, re.M)
    entries = [e for e in re.split(r"\n(?=\S)", requirements) if not e.startswith("#")]
    for entry in filter(None, entries):
        assert re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*==", entry), entry.splitlines()[0]
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


@pytest.mark.parametrize("package", project_packages(), ids=lambda p: p.name)
def test_the_copy_of_the_project_is_current(pack: Path, package: Path) -> None:
    copy = pack / package.name
    copied = {p.relative_to(copy) for p in copy.rglob("*")}
    expected = {
        p.relative_to(package)
        for p in package.rglob("*")
        if "__pycache__" not in p.parts and p.suffix != ".pyc"
    }

    assert copied == expected
    for relative in expected:
        if (package / relative).is_file():
            assert (copy / relative).read_bytes() == (package / relative).read_bytes(), relative


def test_the_pack_code_and_lock_are_the_repository_ones(pack: Path) -> None:
    assert (pack / "__main__.py").read_text() == (
        PROJECT_ROOT / "policy" / "__main__.py"
    ).read_text()
    assert (pack / "requirements.txt").read_text() == (
        PROJECT_ROOT / "policy" / "requirements.txt"
    ).read_text()


def test_rules_import_and_build_from_the_pack_folder_alone(
    pack: Path, probe: dict[str, Any]
) -> None:
    assert Path(probe["trade_pipeline"]).is_relative_to(pack)
    assert [p["name"] for p in probe["policies"]] == [r.name for r in RULES]


def test_every_imported_distribution_is_in_the_pack_requirements(
    pack: Path, probe: dict[str, Any]
) -> None:
    locked = _names((pack / "requirements.txt").read_text())
    imported = {d.lower().replace("_", "-") for d in probe["distributions"]}

    assert imported - locked == set()


def test_console_metadata_comes_from_each_rule(probe: dict[str, Any]) -> None:
    by_name = {p["name"]: p for p in probe["policies"]}
    for rule in RULES:
        policy = by_name[rule.name]
        mandatory = rule.severity is Severity.MANDATORY
        assert policy["level"] == ("mandatory" if mandatory else "advisory"), rule.name
        assert policy["severity"] == ("high" if mandatory else "low"), rule.name
        assert policy["remediation"] == rule.message
        assert policy["url"] == f"{DOCS_URL}#rules:~:text={rule.name.replace('-', '%2D')}"


def test_the_linked_section_exists_in_the_docs() -> None:
    # `#rules` is GitHub's anchor of the "## Rules" heading; each rule has its row there.
    doc = (PROJECT_ROOT / "docs" / "policies.md").read_text()
    section = doc.split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]

    assert all(f"| `{rule.name}` |" in section for rule in RULES)


def test_a_pack_without_docs_url_has_no_links(tmp_path: Path) -> None:
    pack = build_pack(tmp_path / "pack")

    assert json.loads((pack / "pack-metadata.json").read_text()) == {}


def test_building_refuses_a_requirements_file_that_is_not_locked(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "policy").mkdir(parents=True)
    (root / "policy" / "requirements.txt").write_text("-e ..[policy]\n")

    with pytest.raises(ValueError, match="not hash-locked"):
        build_pack(tmp_path / "pack", root=root)


def _pack_files(pack: Path) -> set[str]:
    return {
        p.relative_to(pack).as_posix()
        for p in pack.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and "venv" not in p.relative_to(pack).parts
    }


@pytest.mark.parametrize(
    "where", ["built", "default"], ids=["where-it-was-built", "make-policy-pack-default"]
)
def test_publishing_uploads_every_file_of_the_pack_and_not_its_venv(
    pack: Path, where: str, tmp_path: Path
) -> None:
    pack = Path(shutil.copytree(pack, tmp_path / "policy-pack"))
    (pack / "venv" / "bin").mkdir(parents=True)
    (pack / "venv" / "bin" / "python").write_text("")  # as if create_venv had run
    located = pack if where == "built" else default_pack_dir()

    result = archive(pack, located_at=located)

    assert not default_pack_dir().is_relative_to(PROJECT_ROOT)
    assert set(result.kept) == _pack_files(pack)
    assert set(result.dropped) == {"venv/bin/python"}


def test_the_old_place_under_build_would_upload_nothing(pack: Path) -> None:
    # The repository ignores build/: every file of a pack there is left out of the upload.
    result = archive(pack, located_at=PROJECT_ROOT / "build" / "policy-pack")

    assert result.kept == []
    assert set(result.dropped.values()) == {str(PROJECT_ROOT / ".gitignore")}


def test_building_refuses_a_place_publishing_would_drop(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".gitignore").write_text((PROJECT_ROOT / ".gitignore").read_text())

    with pytest.raises(ValueError, match=r"would leave out \d+ file\(s\).*repo/\.gitignore"):
        build_pack(repo / "build" / "policy-pack")


def test_the_builder_prints_the_cli_commands_in_their_real_syntax(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "pack"

    assert main([str(dest), "--no-venv", "--docs-url", DOCS_URL]) == 0
    printed = capsys.readouterr().out

    assert f"pulumi preview --policy-pack {dest}" in printed
    assert f"pulumi -C {dest} policy publish [<org>]" in printed


def test_the_builder_refuses_an_ignored_place_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".gitignore").write_text("*\n")

    assert main([str(tmp_path / "pack"), "--no-venv"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: policy pack: ") and "ignored by" in line


PUBLISH = re.compile(r"pulumi(?P<options>(?:\s+-C\s+\S+)?)\s+policy\s+publish(?P<args>[^\n`]*)")


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "docs/policies.md",
        "policy/PulumiPolicy.yaml",
        "src/trade_pipeline/policy_pack.py",
        ".github/workflows/deploy.yml",
        "Makefile",
    ],
)
def test_no_document_passes_a_path_to_policy_publish(path: str) -> None:
    text = (PROJECT_ROOT / path).read_text()
    for match in PUBLISH.finditer(text):
        argument = match["args"].split("#")[0].strip()
        # `policy publish [org]`: an organization name never has a slash (policy_publish.go)
        assert "/" not in argument and not argument.startswith("."), match[0]
