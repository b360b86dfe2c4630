"""Controllers used by the tests, loaded by scenarios as "tests.controllers:Name"."""

from sim.control.api import Commands, Sensors


class AlwaysOn:
    """Commands speed and incline whatever happens: the hardware must still stop the belt."""

    def __init__(self, speed_mps: float = 1.0, incline_pct: float = 5.0):
        self.speed_mps = speed_mps
        self.incline_pct = incline_pct

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        return Commands(self.speed_mps, self.incline_pct)


class RaisesAtTwoSeconds:
    """A buggy user controller."""

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        if t >= 2.0:
            raise ZeroDivisionError("user controller bug")
        return Commands(0.5)


class InterruptedAtOneSecond:
    """Stands in for Ctrl-C during a run."""

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        if t >= 1.0:
            raise KeyboardInterrupt
        return Commands(0.5)


class NoTick:
    """Not a controller: no on_tick."""


class InitRaises:
    """A constructor that fails."""

    def __init__(self):
        raise RuntimeError("no hardware here")

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        return Commands(0.0)


class ReturnsNan:
    """A controller whose arithmetic went wrong."""

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        return Commands(float("nan"))


class BrakesAtAQuarter:
    """Keeps the drive disabled with its brake at a quarter duty."""

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        return Commands(0.0, drive_enable=False, brake_level=0.25)


class BrakesUntilThreeSeconds:
    """Brakes at a quarter duty, then lets go at 3 s (the drive stays disabled)."""

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        return Commands(0.0, drive_enable=False, brake_level=0.25 if t < 3.0 else 0.0)


class NeedsTachAtOneHertz:
    """Reads the tach once a second, as an FTMS treadmill would give it."""

    needs = {"belt_speed_mps": 1.0}

    def on_tick(self, sensors: Sensors, t: float) -> Commands:
        return Commands(0.5)
