"""The drive board's watchdog: no command from the controller for its timeout, and the
drive is cut and latched (only a manual reset brings it back) and its stale command
forgotten, at the first loop boundary past the deadline. So a hung controller's belt is cut
within timeout + one loop period of its last command (`watchdog_latency` measures it). It
runs from power-up: a controller that never commands is cut too."""

from __future__ import annotations

from sim.kernel import Kernel, Phase, seconds, ticks
from sim.treadmills.motorized import MotorizedTreadmill


class Watchdog:
    def __init__(self, kernel: Kernel, tm: MotorizedTreadmill, timeout_s: float):
        self.kernel, self.tm = kernel, tm
        self.timeout = ticks(timeout_s)
        self.last = kernel.now  # power-up counts as the first command
        self.pending = False  # one check in the queue at a time, re-armed lazily
        self._arm()
        kernel.listeners.append(self._heard)

    def _heard(self, t: int, kind: str, details: dict) -> None:
        """A reset or a returning rail makes it look again (a still-hung controller is cut
        again at the next boundary)."""
        if kind in ("reset", "bus.wake", "power.restored", "fault.end") and not self.pending:
            self._arm(max(self._deadline(), self.tm.next_boundary(t)))

    def feed(self) -> None:
        self.last = self.kernel.now
        if not self.pending:
            self._arm()

    def _deadline(self) -> int:
        loop = self.tm.loop_ticks
        return -(-(self.last + self.timeout) // loop) * loop  # the board looks at boundaries

    def _arm(self, at: int | None = None) -> None:
        """A check at `at` (default: the deadline, on a loop boundary)."""
        self.pending = True
        self.kernel.call_at(self._deadline() if at is None else at, Phase.HARDWARE, self._check)

    def _check(self, t: int) -> None:
        self.pending = False
        tm = self.tm
        if tm.latched or not tm.logic_on:  # cut, or the board down: it looks again on a reset
            return
        if t < self._deadline():  # fed meanwhile
            self._arm()
            return
        tm.watchdog_cut()
        self.kernel.record("drive.watchdog_cut", last_command_s=seconds(self.last),
                           belt_speed_mps=tm.v)  # fmt: skip
        self.kernel.touch()
