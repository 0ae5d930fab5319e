"""The CLI's archive rule, reproduced: go-gitignore's matching and which .gitignore files count.

The matching cases are go-gitignore's own expectations (ignore_test.go at the commit pulumi's
sdk/go.mod pins); the layering cases follow archive.go's ``addDirectoryToTar``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trade_pipeline.pack_archive import GitIgnore, archive

CASES = [
    (
        ["abc/def", "a/b/c", "b"],
        {"abc/def/child": True, "a/b/c/d": True, "abc": False, "bd": False},
    ),
    (
        ["/*", "!/foo", "/foo/*", "!/foo/bar"],
        {"a": True, "foo/baz": True, "foo": False, "/foo/bar": False},
    ),
    (["#", "# A comment", "    # Invalid Comment", "abc/def"], {"abc/abc": False, "abc/def": True}),
    (["/a/b/c", "d/e/f", "/g"], {"a/b/c": True, "a/b/c/d": True, "d/e/f": True, "g": True}),
    (
        ["\\#file.txt", "\\!file.txt", "file.txt"],
        {"#file.txt": True, "!file.txt": True, "a/!file.txt": True, "file2.txt": False},
    ),
    (
        ["Documentation/*.html"],
        {
            "Documentation/git.html": True,
            "Documentation/ppc/ppc.html": False,
            "tools/perf/Documentation/perf.html": False,
        },
    ),
    (["**/foo", "bar"], {"foo": True, "baz/foo": True, "bar": True, "baz/bar": True}),
    (["/*.c"], {"hello.c": True, "foo/hello.c": False}),
    (
        ["node_modules", "*.out", "foo/*.c"],
        {"node_modules/test/foo.js": True, "test/foo.js": False},
    ),
]


@pytest.mark.parametrize(("lines", "expected"), CASES)
def test_matching_is_go_gitignore_s(lines: list[str], expected: dict[str, bool]) -> None:
    ignore = GitIgnore.of_lines(Path("/r/.gitignore"), lines)

    assert {path: ignore.matches(path) for path in expected} == expected


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_gitignore_above_the_folder_drops_files_and_a_negation_below_cannot_save_them(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "build/\n",
            "build/pack/.gitignore": "!*\n",
            "build/pack/main.py": "",
        },
    )

    result = archive(tmp_path / "build" / "pack")

    assert result.kept == []
    assert result.dropped["main.py"] == str(tmp_path / ".gitignore")


def test_the_folders_own_and_nested_gitignores_apply_below_them(tmp_path: Path) -> None:
    _tree(
        tmp_path / "pack",
        {
            ".gitignore": "venv/\n",
            "venv/bin/python": "",
            "pkg/.gitignore": "*.tmp\n",
            "pkg/a.tmp": "",
            "pkg/a.py": "",
            "b.tmp": "",
            ".git/HEAD": "",
        },
    )

    result = archive(tmp_path / "pack")

    assert sorted(result.kept) == [".gitignore", "b.tmp", "pkg/.gitignore", "pkg/a.py"]
    assert set(result.dropped) == {"venv/bin/python", "pkg/a.tmp", ".git"}


def test_located_at_applies_the_gitignores_above_another_place(tmp_path: Path) -> None:
    _tree(tmp_path, {"repo/.gitignore": "build/\n", "pack/main.py": ""})

    assert archive(tmp_path / "pack").kept == ["main.py"]
    moved = archive(tmp_path / "pack", located_at=tmp_path / "repo" / "build" / "pack")
    assert moved.kept == [] and "main.py" in moved.dropped
