"""What a check sees after a run: the scenario, the treadmill's parameters, the event log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.treadmills.params import AnyParams

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

LogEntry = tuple[int, str, dict[str, Any]]


@dataclass(frozen=True)
class RunContext:
    scenario: Scenario
    treadmill: AnyParams  # drive checks see only motorized ones (the schema sees to it)
    signal_index: dict[str, int]
    log: list[LogEntry]

    def first(
        self,
        kind: str,
        after: int = -1,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> LogEntry | None:
        """The first logged event of this kind at or after `after` (and matching `where`)."""
        for entry in self.log:
            t, k, details = entry
            if k == kind and t >= after and (where is None or where(details)):
                return entry
        return None
