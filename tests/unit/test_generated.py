"""Every generated file and region is what its renderer writes today; the only fix is
``make regen`` (the registry: :mod:`trade_pipeline.generated`).

Some entries pin behaviour, not prose. ``tests/unit/data/dev-plan-urns.txt`` lists every URN of
the dev plan with its region: a URN is a resource's type, logical name and parents' types, and
changing one (or its provider's region) makes ``pulumi up`` delete and recreate the resource,
which for the trade table means losing the data. ``tests/policy/compliance-dev.golden.json``
is the dev stack's compliance table: users' waivers and CI logs name rules, so their order,
names, severities, outcomes, counts and findings must not move when the code is reorganised.
When a change moves either on purpose, ``make regen`` rewrites the file and the diff is
reviewed like code: every removed URN line is a resource Pulumi would delete.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from trade_pipeline.generated import (
    ARTIFACTS,
    MEASURED,
    Artifact,
    MarkersMissing,
    Sources,
    main,
    regenerate,
    stale_message,
)

REPO = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^<!-- ([a-z0-9:-]+):begin -->$", re.M)


@pytest.fixture(scope="module")
def sources(lambda_artifact: Any) -> Sources:
    """One preview per stack variant, shared by every entry of this module's worker."""
    return Sources(REPO, artifact=lambda_artifact)


@pytest.mark.parametrize("artifact", ARTIFACTS, ids=lambda a: a.label)
def test_the_committed_text_is_the_generated_one(artifact: Artifact, sources: Sources) -> None:
    committed = artifact.committed(REPO)
    rendered = artifact.render(sources)

    assert committed == rendered, stale_message(artifact, committed, rendered)


def test_every_marked_region_of_the_repository_is_in_the_registry() -> None:
    registered = {(a.path, a.region) for a in ARTIFACTS}
    marked = {
        (str(path.relative_to(REPO)), region)
        for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
        for region in MARKER.findall(path.read_text(encoding="utf-8"))
    }

    measured = {(m.path, m.region) for m in MEASURED}
    assert marked - registered - measured == set(), "regions with markers nothing writes"
    assert {(p, r) for p, r in registered if r} <= marked
    assert measured <= marked, "a measured region lost its markers"
    assert measured & registered == set(), "a region with two writers"


def test_the_mutation_score_region_is_the_one_make_mutate_writes() -> None:
    from trade_pipeline import mutation

    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nmutate:", 1)[1].split("\n\n", 1)[0]

    assert [(m.path, m.region, m.writer) for m in MEASURED] == [
        (mutation.DOCS.as_posix(), mutation.REGION, "make mutate")
    ]
    assert "-m trade_pipeline.mutation" in recipe and "--docs" in recipe


def _doc(tmp_path: Path) -> Artifact:
    (tmp_path / "page.txt").write_text("hand\n<!-- x:begin -->\nold\n<!-- x:end -->\ntail\n")
    return Artifact("page.txt", "x", lambda _: "new\nlines", "a region")


def test_regen_rewrites_only_the_region_and_check_writes_nothing(tmp_path: Path) -> None:
    artifact = _doc(tmp_path)
    sources = Sources(tmp_path)

    assert regenerate([artifact], sources, check=True) == [artifact]
    assert "old" in (tmp_path / "page.txt").read_text()  # --check changed nothing
    assert regenerate([artifact], sources) == [artifact]
    assert (tmp_path / "page.txt").read_text() == (
        "hand\n<!-- x:begin -->\nnew\nlines\n<!-- x:end -->\ntail\n"
    )
    assert regenerate([artifact], sources) == []  # a second run finds nothing to do


def test_an_empty_region_is_filled_and_a_missing_marker_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("<!-- x:begin -->\n<!-- x:end -->\n")
    (tmp_path / "b.txt").write_text("<!-- y:begin -->\nno end marker\n")
    filled = Artifact("a.txt", "x", lambda _: "text", "filled")
    broken = Artifact("b.txt", "y", lambda _: "text", "broken")

    with pytest.raises(MarkersMissing, match=r"b\.txt: needs one region between a line"):
        regenerate([filled, broken], Sources(tmp_path))
    assert (tmp_path / "a.txt").read_text() == "<!-- x:begin -->\n<!-- x:end -->\n"
    regenerate([filled], Sources(tmp_path))
    assert (tmp_path / "a.txt").read_text() == "<!-- x:begin -->\ntext\n<!-- x:end -->\n"


def test_the_stale_message_shows_the_difference_and_names_make_regen_only() -> None:
    artifact = Artifact("page.txt", "x", lambda _: "", "a region")

    message = stale_message(artifact, "old line\nsame", "new line\nsame")

    assert message.splitlines()[0] == "page.txt#x (a region) is stale:"
    assert "-old line" in message and "+new line" in message
    assert message.splitlines()[-1] == "run `make regen`"


def test_urn_and_rule_changes_are_listed_one_by_one() -> None:
    (urns,) = [a for a in ARTIFACTS if a.path.endswith("dev-plan-urns.txt")]
    (golden,) = [a for a in ARTIFACTS if a.path.endswith("golden.json")]
    assert urns.explain and golden.explain

    assert urns.explain("urn:a @ r\nurn:b @ r\n", "urn:b @ r\nurn:c @ r\n")[1:] == [
        "  removed: urn:a @ r",
        "  added:   urn:c @ r",
    ]
    row = {"rule": "r1", "severity": "mandatory", "outcome": "passed", "examined": 6}
    row |= {"resources": [], "messages": [], "waiverReason": None}
    failed = {**row, "outcome": "failed", "messages": ["no tracing"]}
    assert golden.explain(f"[{_json(row)}]", f"[{_json(failed)}]") == [
        "r1: messages [] -> ['no tracing']",
        "r1: outcome 'passed' -> 'failed'",
    ]


def _json(row: dict[str, Any]) -> str:
    return json.dumps(row)


def test_check_mode_exits_1_naming_each_stale_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifact, sources = _doc(tmp_path), Sources(tmp_path)

    assert main(["--check"], [artifact], sources) == 1
    assert capsys.readouterr().out == "stale: page.txt#x (a region)\n"
    assert main([], [artifact], sources) == 0
    assert main(["--check"], [artifact], sources) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "all 1 generated files and regions are up to date"
    )
