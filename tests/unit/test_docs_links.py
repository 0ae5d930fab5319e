"""The repository stands on its own: every file it points at is in it.

Docs, code and tests refer to each other (a rule's sources name `docs/review-failures.md#rf-N`,
the README links into `docs/`). A reference to a file a user who clones the repository does not
have is a broken promise, so these tests read every tracked text file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support.repository import repository_files
from trade_pipeline.policies import RULES

REPO = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ""}
# A Markdown file named anywhere (``docs/cost.md``, ``README.md``, a bare ``<name>.md``).
MARKDOWN_NAME = re.compile(r"(?<![\w<>*{-])((?:\.\./|[\w-]+/)*[\w.-]+\.md)\b")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
REVIEW_REF = re.compile(r"review-failures\.md#(rf-\d+)")


def tracked_text_files() -> list[Path]:
    paths = [REPO / name for name in repository_files()]
    return [p for p in paths if p.suffix in TEXT_SUFFIXES]


def test_no_file_refers_to_a_document_outside_the_repository() -> None:
    files = tracked_text_files()
    present = {path.name for path in files}
    offenders = [
        f"{path.relative_to(REPO)}: {name}"
        for path in files
        for name in MARKDOWN_NAME.findall(path.read_text(encoding="utf-8", errors="replace"))
        if Path(name).name not in present or name.startswith("../")
    ]
    assert offenders == []


def test_every_relative_markdown_link_resolves() -> None:
    broken = []
    for path in tracked_text_files():
        if path.suffix != ".md":
            continue
        for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8")):
            if "://" in target or target.startswith(("#", "mailto:")):
                continue
            file_part = target.split("#", 1)[0]
            if file_part and not (path.parent / file_part).exists():
                broken.append(f"{path.relative_to(REPO)} -> {target}")
    assert broken == []


def review_anchors() -> set[str]:
    text = (REPO / "docs" / "review-failures.md").read_text(encoding="utf-8")
    return set(re.findall(r'<a id="(rf-\d+)"></a>', text))


def test_review_failures_doc_has_the_twelve_anchors() -> None:
    assert review_anchors() == {f"rf-{n}" for n in range(1, 13)}


def test_every_review_failure_reference_names_an_existing_anchor() -> None:
    anchors = review_anchors()
    dangling = [
        f"{path.relative_to(REPO)}: {ref}"
        for path in tracked_text_files()
        for ref in REVIEW_REF.findall(path.read_text(encoding="utf-8", errors="replace"))
        if ref not in anchors
    ]
    assert dangling == []


def functions_defined_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("section", [f"rf-{n}" for n in range(1, 13)])
def test_each_review_failure_names_rules_and_tests_that_exist(section: str) -> None:
    text = (REPO / "docs" / "review-failures.md").read_text(encoding="utf-8")
    body = text.split(f'<a id="{section}"></a>', 1)[1].split("<a id=", 1)[0]
    named_tests = set(re.findall(r"`(test_\w+)`", body))
    named_rules = {
        name for name in re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", body) if "." not in name
    }
    existing_tests = set().union(
        *(functions_defined_in(p) for p in (REPO / "tests").rglob("test_*.py"))
    )
    rule_names = {rule.name for rule in RULES}
    assert named_tests, f"{section} names no test"
    assert named_rules, f"{section} names no rule"
    assert named_tests <= existing_tests, named_tests - existing_tests
    assert named_rules <= rule_names, named_rules - rule_names


README_MAX_LINES = 400


def test_the_readme_stays_short_enough_to_navigate() -> None:
    """What the project is, the two commands, and links: the reference material (the config
    table, the generated diagram) lives in docs/, where the README links it."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): move reference "
        "material to docs/ and link it"
    )
