"""Which files of a policy pack ``pulumi policy publish`` uploads: the CLI's archive rule.

Publishing archives the pack folder with ``archive.TGZ(dir, "package", true)``
(``cloudPolicyPack.Publish``, pkg/backend/httpstate/policypack.go of pulumi/pulumi), and
``addDirectoryToTar`` (sdk/go/common/util/archive/archive.go) decides what goes in:

- the ``.gitignore`` of the pack folder and of every folder above it, up to but not including
  the filesystem root (the loop stops when a folder is its own parent), and the ``.gitignore``
  of each subfolder for the files under it, all apply at once: a file is left out when any of
  them ignores it (``ignoreState.IsIgnored``, ignorer.go), so a ``!pattern`` in one file cannot
  bring back what another ignores;
- each pattern file is matched against the file's path relative to that file's folder, with a
  leading ``/`` (``gitIngoreIgnorer.IsIgnored``, ignorer_gitignore.go), by
  github.com/sabhiram/go-gitignore (the version pulumi's sdk/go.mod pins, 525f6e181f06), whose
  translation of a pattern into a regular expression :func:`pattern_regex` reproduces;
- a ``.git`` folder is left out; folders themselves are never tested, only files.

Only the standard library is used: ``make policy-pack`` runs before any virtualenv exists.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Archive", "GitIgnore", "archive", "pattern_regex"]

_MAGIC_STAR = "#$~"


def pattern_regex(line: str) -> tuple[re.Pattern[str] | None, bool]:
    """(regex, negated) of one ``.gitignore`` line, as go-gitignore's ``getPatternFromLine``.

    >>> regex, negated = pattern_regex("build/")
    >>> bool(regex.match("/build/policy-pack/__main__.py")), negated
    (True, False)
    >>> bool(pattern_regex("*.pyc")[0].match("/pkg/mod.py"))
    False
    """
    line = line.rstrip("\r")
    if line.startswith("#"):
        return None, False
    line = line.strip(" ")
    if not line:
        return None, False
    negate = line[0] == "!"
    if negate:
        line = line[1:]
    if re.match(r"^(\#|\!)", line):
        line = line[1:]
    if re.search(r"([^\/+])/.*\*\.", line) and line[0] != "/":
        line = "/" + line
    line = line.replace(".", r"\.")
    if line.startswith("/**/"):
        line = line[1:]
    line = line.replace("/**/", "(/|/.+/)")
    line = line.replace("**/", f"(|.{_MAGIC_STAR}/)")
    line = line.replace("/**", f"(|/.{_MAGIC_STAR})")
    line = line.replace("\\*", "\\" + _MAGIC_STAR)
    line = line.replace("*", "([^/]*)")
    line = line.replace("?", "\\?")
    line = line.replace(_MAGIC_STAR, "*")
    expr = line + ("(|.*)$" if line.endswith("/") else "(|/.*)$")
    expr = "^(|/)" + expr[1:] if expr.startswith("/") else "^(|.*/)" + expr
    try:
        return re.compile(expr), negate
    except re.error:  # Go ignores a pattern that does not compile
        return None, False


@dataclass(frozen=True)
class GitIgnore:
    """One ``.gitignore`` file: its folder and its patterns, in order."""

    path: Path
    patterns: tuple[tuple[re.Pattern[str], bool], ...]

    @classmethod
    def read(cls, path: Path) -> GitIgnore:
        return cls.of_lines(path, path.read_text().split("\n"))

    @classmethod
    def of_lines(cls, path: Path, lines: list[str]) -> GitIgnore:
        compiled = (pattern_regex(line) for line in lines)
        return cls(path, tuple((regex, neg) for regex, neg in compiled if regex is not None))

    def ignores(self, file: str) -> bool:
        """Whether ``file`` (an absolute path, ``/``-separated) is ignored: its path with this
        file's folder trimmed off the front, as the CLI passes it, to :meth:`matches`."""
        return self.matches(file.removeprefix(os.path.dirname(str(self.path))))

    def matches(self, path: str) -> bool:
        """go-gitignore's ``MatchesPath``: the last matching pattern decides, and a negated one
        only undoes an earlier match."""
        matched = False
        for regex, negate in self.patterns:
            if regex.match(path):
                if not negate:
                    matched = True
                elif matched:
                    matched = False
        return matched


@dataclass
class Archive:
    """What the archive of a folder holds (``kept``) and what it leaves out, and why."""

    kept: list[str] = field(default_factory=list)  # paths relative to the folder
    dropped: dict[str, str] = field(default_factory=dict)  # path -> the .gitignore, or ".git"


def _parents(folder: Path) -> list[Path]:
    """The folder and those above it, the filesystem root excluded (archive.go's loop)."""
    return [p for p in (folder, *folder.parents) if p != p.parent]


def archive(folder: Path, *, located_at: Path | None = None) -> Archive:
    """The CLI's archive of ``folder``; ``located_at``: as if the folder were there instead
    (the ``.gitignore`` files above that place apply)."""
    folder = folder.resolve()
    place = (located_at or folder).absolute()
    above = [
        GitIgnore.read(p / ".gitignore")
        for p in _parents(place)[1:]
        if (p / ".gitignore").is_file()
    ]
    result = Archive()
    _walk(folder, folder, place, above, result)
    return result


def _walk(folder: Path, root: Path, place: Path, ignores: list[GitIgnore], result: Archive) -> None:
    own = folder / ".gitignore"
    if own.is_file():
        moved = place / own.relative_to(root)
        ignores = [*ignores, GitIgnore(moved, GitIgnore.read(own).patterns)]
    for entry in sorted(folder.iterdir()):
        relative = entry.relative_to(root).as_posix()
        if entry.name == ".git":
            result.dropped[relative] = ".git"
            continue
        if entry.is_dir():
            _walk(entry, root, place, ignores, result)
            continue
        located = (place / relative).as_posix()
        reason = next((str(g.path) for g in ignores if g.ignores(located)), None)
        if reason is None:
            result.kept.append(relative)
        else:
            result.dropped[relative] = reason
