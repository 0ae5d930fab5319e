"""The result of a compliance run: per-rule results, the JSON rows and the printed table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from trade_pipeline.policies.model import Finding, Outcome, Rule, Severity

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["ComplianceReport", "RuleResult", "compliance_table"]


@dataclass
class RuleResult:
    """What one rule found over the whole stack."""

    rule: Rule
    outcome: Outcome
    examined: int
    violations: list[Finding] = field(default_factory=list)  # not waived
    waived: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks that could not be decided
    waiver_reasons: list[str] = field(default_factory=list)

    @property
    def resources(self) -> list[str]:
        """Logical names concerned by a violation (waived ones included)."""
        names = {f.resource or "(stack)" for f in (*self.violations, *self.waived)}
        return sorted(names)

    @property
    def messages(self) -> list[str]:
        return [f"{f.resource or 'stack'}: {f.message}" for f in self.violations]

    @property
    def waiver_reason(self) -> str | None:
        return "; ".join(dict.fromkeys(self.waiver_reasons)) or None


@dataclass
class ComplianceReport:
    """Every rule's result, in registry order."""

    results: list[RuleResult]

    def _failures(self, severity: Severity) -> list[RuleResult]:
        return [
            r for r in self.results if r.outcome is Outcome.FAILED and r.rule.severity is severity
        ]

    @property
    def mandatory_failures(self) -> list[RuleResult]:
        return self._failures(Severity.MANDATORY)

    @property
    def advisory_failures(self) -> list[RuleResult]:
        return self._failures(Severity.ADVISORY)

    @property
    def passed(self) -> bool:
        """True when no mandatory rule fails (what decides the preview's exit code)."""
        return not self.mandatory_failures

    def result(self, rule_name: str) -> RuleResult:
        for result in self.results:
            if result.rule.name == rule_name:
                return result
        raise KeyError(rule_name)

    def failure_lines(self) -> list[str]:
        """One line per failing rule (mandatory first): the rule, what to change, where."""
        lines = []
        for result in [*self.mandatory_failures, *self.advisory_failures]:
            rule = result.rule
            lines.append(f"{rule.severity.value} rule {rule.name} failed: {rule.message}")
            lines.extend(f"  - {m}" for m in result.messages)
        return lines

    def to_dict(self) -> list[dict[str, Any]]:
        return [
            {
                "rule": r.rule.name,
                "severity": r.rule.severity.value,
                "outcome": r.outcome.value,
                "examined": r.examined,
                "resources": r.resources,
                "messages": r.messages,
                "message": r.rule.message if r.outcome is Outcome.FAILED else None,
                "waiverReason": r.waiver_reason,
                "notes": r.notes,
                "sources": list(r.rule.sources),
            }
            for r in self.results
        ]


_OUTCOME_STYLE: Final = {
    Outcome.PASSED: ("PASS", "green"),
    Outcome.WAIVED: ("WAIVED", "cyan"),
}
_FAILED_STYLE: Final = {
    Severity.MANDATORY: ("FAIL", "bold red"),
    Severity.ADVISORY: ("WARN", "yellow"),
}


def _list_short(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" +{len(names) - limit} more" if len(names) > limit else "")


def _cells(result: RuleResult) -> tuple[str, str]:
    """(resources, details) cells of one row."""
    if result.outcome is Outcome.PASSED:
        resources = f"{result.examined} checked" if result.examined else "none in stack"
        return resources, "; ".join(result.notes[:2]) if result.notes else result.rule.description
    if result.outcome is Outcome.WAIVED:
        return _list_short(result.resources), f"waived: {result.waiver_reason}"
    details = result.rule.message + "\n" + "\n".join(result.messages[:3])
    if len(result.messages) > 3:
        details += f"\n(+{len(result.messages) - 3} more)"
    if result.waived:
        details += f"\nwaived for some: {result.waiver_reason}"
    return _list_short(result.resources), details


# Narrower consoles get the compact compliance table (no Severity and Resources columns).
COMPACT_BELOW = 120


def compliance_table(report: ComplianceReport, width: int | None = None) -> Table:
    """The compliance table the preview prints: rule, severity, result, resources, details.

    Below :data:`COMPACT_BELOW` columns the severity joins the result (``FAIL (mandatory)``)
    and the resource counts are dropped, so the details keep room; every column folds, so no
    value is ever cut.
    """
    from rich.table import Table
    from rich.text import Text

    compact = width is not None and width < COMPACT_BELOW
    passed = sum(r.outcome is Outcome.PASSED for r in report.results)
    table = Table(
        title=f"Compliance: {passed}/{len(report.results)} rules pass, "
        f"{len(report.mandatory_failures)} mandatory failure(s)",
        show_lines=False,
    )
    columns = ("Rule", "Result") if compact else ("Rule", "Severity", "Result", "Resources")
    for column in columns:
        # rule names are what users grep for and waive: never folded; nor are the short cells.
        # Only Details wraps (and folds a long word), so rich shrinks it alone: a min_width on
        # another column instead made rich crop the right border and the cells' ends.
        table.add_column(column, no_wrap=column != "Resources", overflow="fold")
    table.add_column("Details", overflow="fold", ratio=1)
    for result in report.results:
        if result.outcome is Outcome.FAILED:
            label, style = _FAILED_STYLE[result.rule.severity]
        else:
            label, style = _OUTCOME_STYLE[result.outcome]
        resources, details = _cells(result)
        if compact:
            if result.rule.severity is Severity.ADVISORY:
                details = f"advisory: {details}"
            table.add_row(result.rule.name, Text(label, style=style), details)
        else:
            table.add_row(
                result.rule.name,
                result.rule.severity.value,
                Text(label, style=style),
                resources,
                details,
            )
    return table
