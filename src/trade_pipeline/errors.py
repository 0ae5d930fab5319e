"""The one exception type for input the user got wrong.

A :class:`UserError` is raised where the input is checked (a config value, the outputs file,
an option, a policy waiver, an events file...) and caught in one place, the ``trade-pipeline``
command group (:mod:`trade_pipeline.commands.common`), which prints its :attr:`~UserError.lines`
on stderr and exits 2. Anything else that escapes a command is a bug and surfaces as one: a
traceback and exit 1, never "bad input".

Subclasses say where the input came from: :class:`~trade_pipeline.config.errors.ConfigError` (stack
config and environment), :class:`~trade_pipeline.ops.outputs.OutputsError` (the deployed stack's
outputs and the operator commands' options), :class:`~trade_pipeline.policies.WaiverError`
(``policyWaivers``). Standard library only: the Pulumi program imports this too.
"""

from __future__ import annotations

__all__ = ["EnvironmentProblem", "UserError"]


class UserError(Exception):
    """The user's input is wrong; the message names the key or option, the value and the rule."""

    @property
    def lines(self) -> list[str]:
        """What the command prints on stderr, one entry per line."""
        return [f"error: {self}"]


class EnvironmentProblem(Exception):
    """Not the input, not a bug: something the machine lacks (the package index unreachable...).

    Caught beside :class:`UserError`: its message, one line, and exit 1.
    """
