"""The layout tree in docs/architecture.md is the repository's: it cannot drift from it.

The tree is the fenced block under "How the code is laid out". Each line is a path (or
comma-separated paths; ``*`` globs allowed) indented two spaces per folder level below the
folder above it, then two or more spaces and a description; a line that starts with
description-column spaces continues the description above.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

import pytest

from tests.support.repository import REPO, repository_files

ARCHITECTURE = REPO / "docs" / "architecture.md"
SECTION = "## How the code is laid out"
_ENTRY = re.compile(r"^(?P<indent> *)(?P<paths>\S(?:\S| (?=\S))*)(?P<gap> {2,})\S")


def _tree_lines(text: str) -> list[str]:
    section = text.split(f"\n{SECTION}\n", 1)[1]
    return section.split("```\n", 2)[1].splitlines()


def layout_entries(lines: list[str]) -> list[str]:
    """The repository-relative paths the tree lists, folders ending in ``/``.

    Every description starts in the column of the first one; a line indented to that column
    continues the description above.
    """
    first = _ENTRY.match(lines[0])
    assert first is not None, lines[0]
    column = first.end("gap")
    entries: list[str] = []
    folders: list[str] = []  # folders[n] = the folder an entry at level n + 1 sits in
    for line in lines:
        if line.startswith(" " * column):
            continue  # a description's continuation
        match = _ENTRY.match(line)
        assert match is not None and match.end("gap") == column, f"not a tree line: {line!r}"
        indent = len(match["indent"])
        level = indent // 2
        assert indent % 2 == 0 and level <= len(folders), f"bad indentation: {line!r}"
        del folders[level:]
        parent = folders[-1] if folders else ""
        names = [parent + name.strip() for name in match["paths"].split(",")]
        entries.extend(names)
        if len(names) == 1 and names[0].endswith("/"):
            folders.append(names[0])
    return entries


def _exists(entry: str, files: list[str]) -> bool:
    if "*" in entry:
        pattern = PurePosixPath(entry)
        return any(
            PurePosixPath(name).parent == pattern.parent and fnmatch(Path(name).name, pattern.name)
            for name in files
        )
    path = REPO / entry
    return path.is_dir() if entry.endswith("/") else path.is_file()


def _must_appear(files: list[str]) -> set[str]:
    """Every top-level folder, every package under src/, every module of trade_pipeline."""
    required = {name.split("/", 1)[0] + "/" for name in files if "/" in name}
    required |= {
        f"src/{p.name}/" for p in (REPO / "src").iterdir() if (p / "__init__.py").is_file()
    }
    for path in (REPO / "src" / "trade_pipeline").iterdir():
        if path.is_dir() and (path / "__init__.py").is_file():
            required.add(f"src/trade_pipeline/{path.name}/")
        elif path.suffix == ".py" and not path.name.startswith("__"):
            required.add(f"src/trade_pipeline/{path.name}")
    return required


def test_every_path_in_the_layout_tree_exists() -> None:
    files = repository_files()
    entries = layout_entries(_tree_lines(ARCHITECTURE.read_text(encoding="utf-8")))
    missing = [entry for entry in entries if not _exists(entry, files)]
    assert not missing, f"docs/architecture.md's layout names paths that do not exist: {missing}"


def test_every_folder_package_and_module_appears_in_the_layout_tree() -> None:
    files = repository_files()
    entries = layout_entries(_tree_lines(ARCHITECTURE.read_text(encoding="utf-8")))
    covered = set(entries) | {entry.split("/", 1)[0] + "/" for entry in entries if "/" in entry}
    absent = sorted(_must_appear(files) - covered)
    assert not absent, f"add to the layout tree in docs/architecture.md: {absent}"


def test_the_readme_links_to_the_tree_instead_of_carrying_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md#how-the-code-is-laid-out" in readme
    assert "src/trade_pipeline/        " not in readme, "the README carries a layout tree again"


def test_nested_entries_are_read_below_their_folder() -> None:
    # Given a tree with folders, entries in them, a continuation and a comma-separated line
    lines = [
        "a/            first",
        "  b.py, c.py  second",
        "              continued",
        "  d/          a folder in a",
        "    e.py      in d",
        "f.py          top again",
    ]

    # When it is read
    entries = layout_entries(lines)

    # Then each entry is a repository path under the folder it is indented below
    assert entries == ["a/", "a/b.py", "a/c.py", "a/d/", "a/d/e.py", "f.py"]


@pytest.mark.parametrize(
    "lines",
    [
        ["a.py          x", "  b.py        y"],  # indented below something that is not a folder
        ["a/            x", "  b.py       y"],  # description out of its column
    ],
)
def test_a_line_out_of_the_tree_shape_is_refused(lines: list[str]) -> None:
    with pytest.raises(AssertionError):
        layout_entries(lines)
