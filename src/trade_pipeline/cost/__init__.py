"""The cost estimate of a planned stack (``trade-pipeline cost``).

``prices`` holds the one sourced price table, ``profile`` measures the processor on a typical
event, ``plan_facts`` reads what the plan registers, ``model`` turns both into priced lines per
service and region (and the floor), ``report`` renders them.
"""

from __future__ import annotations

__all__ = ["model", "plan_facts", "prices", "profile", "report"]
