"""Errors raised by the simulation package.

`ScenarioError` is raised by validation (never halfway through a run); it carries every
problem found as (path, message) pairs so a form or the CLI can point at the bad field.
`SimulationAborted` is raised when the caller's `should_stop` callable returns True.
"""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario document (or a variant override) is invalid.

    `errors` is a list of (path, message); `str(e)` joins them as "path: message; ...".
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors))


class SimulationAborted(RuntimeError):
    """The run was stopped because `should_stop()` returned True."""


class InvariantError(AssertionError):
    """A model invariant broke during a run (a bug, never bad input)."""
