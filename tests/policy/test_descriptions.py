"""Rule descriptions are whole: the first paragraph of the rule's docstring, not its first
line, so the preview, docs/policies.md and the published pack never stop mid-sentence."""

from __future__ import annotations

from trade_pipeline.policies.registry import RULES_BY_NAME


def test_every_description_is_a_whole_sentence() -> None:
    cut = {n: r.description for n, r in RULES_BY_NAME.items() if not r.description.endswith(".")}

    assert not cut


def test_a_description_spanning_lines_is_read_whole() -> None:
    spanning = [r for r in RULES_BY_NAME.values() if "\n" in r.doc.split("\n\n", 1)[0]]

    assert spanning  # some docstrings do wrap their first sentence
    for rule in spanning:
        assert rule.description == " ".join(rule.doc.split("\n\n", 1)[0].split())
