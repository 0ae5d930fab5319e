"""What the operator commands do, without the command line: read a deployed stack's outputs,
send events, run the canary, redrive queues, replay the archive, read the stack's state.

Nothing here imports Pulumi (``--stack`` loads its Automation API only when used), so the
commands start fast and the logic is testable against moto's server.
"""

from __future__ import annotations

__all__: list[str] = []
