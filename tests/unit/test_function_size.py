"""No function of the project's code is longer than 60 lines: each does one named step.

Counted from the ``def`` line to the function's last line (decorators excluded, docstring and
comments included), for every function and method, nested ones on their own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAX_LINES = 60
CODE = ("src", "benchmarks", "policy", "__main__.py")
"""The project's code: the packages, the benchmarks, the policy pack, the Pulumi entry point
(the tests are not counted)."""

ALLOWED: dict[str, str] = {
    # A declared table, not logic: one (id, outputs) answer per AWS resource type the stack
    # registers, shaped like AWS's. Splitting it would scatter one lookup over many functions.
    "src/trade_pipeline/preview_mocks.py:_mock_state": "declared table",
}
"""``path:qualified name`` of each function allowed to be longer, with the reason."""


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int, int]]:
    """(qualified name, first line, line count) of every function in ``tree``."""
    for node in ast.iter_child_nodes(tree):
        name = prefix
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{node.name}"
            assert node.end_lineno is not None
            yield name, node.lineno, node.end_lineno - node.lineno + 1
            name += "."
        elif isinstance(node, ast.ClassDef):
            name = f"{prefix}{node.name}."
        yield from _functions(node, name)


def _sizes() -> dict[str, tuple[int, int]]:
    """``path:qualified name`` -> (first line, line count) over the project's code."""
    sizes = {}
    for root in CODE:
        path = REPO / root
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            relative = file.relative_to(REPO).as_posix()
            for name, line, count in _functions(ast.parse(file.read_text(), relative)):
                sizes[f"{relative}:{name}"] = (line, count)
    return sizes


def test_no_function_is_longer_than_60_lines() -> None:
    too_long = [
        f"{key.split(':')[0]}:{line} {key.split(':')[1]} is {count} lines (at most {MAX_LINES}): "
        "split it into named steps"
        for key, (line, count) in _sizes().items()
        if count > MAX_LINES and key not in ALLOWED
    ]
    assert not too_long, "\n".join(too_long)


def test_every_allowed_function_exists_and_is_still_long() -> None:
    # An entry whose function was split or renamed must leave the list, or it hides the next one.
    sizes = _sizes()
    stale = [key for key in ALLOWED if sizes.get(key, (0, 0))[1] <= MAX_LINES]
    assert not stale, f"gone or no longer over {MAX_LINES} lines (remove from ALLOWED): {stale}"


def test_the_count_includes_nested_functions_and_methods() -> None:
    # Given a method holding a nested function, each over the limit on its own
    inner_body = "\n".join(f"            x{i} = {i}" for i in range(MAX_LINES))
    outer_body = "\n".join(f"        y{i} = {i}" for i in range(MAX_LINES))
    source = f"class C:\n    def outer(self):\n        def inner():\n{inner_body}\n{outer_body}\n"

    # When its functions are measured
    found = {name: (line, count) for name, line, count in _functions(ast.parse(source))}

    # Then both are found under their qualified names, counted from def to last line
    assert found == {"C.outer": (2, 2 * MAX_LINES + 2), "C.outer.inner": (3, MAX_LINES + 1)}
