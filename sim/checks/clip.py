"""Clip stop checks: latency of the hardware cut, where the clip releases, and what the belt
does after the release."""

from __future__ import annotations

from sim.checks.base import Check, Extreme, SignalExtremeCheck, evidence
from sim.kernel import seconds
from sim.runner.context import RunContext
from sim.treadmills.belt import STOPPED_SPEED_MPS

ISO_RELEASE_FRACTION = 0.70  # ISO 20957-6:2021 §6.5.3


NEVER_RELEASED = "the clip was never released in this run"


def _release(ctx: RunContext):
    return ctx.first("clip.release")


def _moving(details: dict) -> bool:
    """Whether the belt was still moving when the clip released (|v| >= v_stop)."""
    return abs(details["belt_speed_mps"]) >= STOPPED_SPEED_MPS


def _missing_release() -> tuple[None, dict]:
    return None, evidence(None, None, NEVER_RELEASED)


def _already_stopped(release) -> tuple[float, dict]:
    return 0.0, evidence(release[0], "clip.release", "the belt had stopped before the release")


class ClipStopLatency(Check):
    motorized_only = True
    name = "clip_stop_latency"
    unit = "s"
    description = "Clip release to motor power cut (release to belt stopped is in the evidence)."
    source = (
        "EN 957-6: the stop cuts motor and incline power without relying on software; "
        "0.1 s release-to-cut is a design default (REFERENCE.md)"
    )
    default = 0.1

    def measure(self, ctx, reducer):
        release = _release(ctx)
        if release is None:
            return _missing_release()
        t_rel = release[0]
        cut = ctx.first("drive.cut", after=t_rel)
        stopped = ctx.first("belt.stopped", after=t_rel)
        to_stop = None if stopped is None else seconds(stopped[0] - t_rel)
        if not _moving(release[2]):
            to_stop = 0.0
        if cut is None:  # at least until the run ended: a lower bound, and a failure
            never = ctx.scenario.duration_s - seconds(t_rel)
            return never, evidence(
                None, None, f"the drive was never cut after the release at {seconds(t_rel)} s "
                f"(switch opened: {release[2].get('switch_opened', True)}): at least {never:g} s",
                release_t_s=seconds(t_rel), release_to_belt_stopped_s=to_stop,
            )  # fmt: skip
        latency = seconds(cut[0] - t_rel)
        return latency, evidence(
            cut[0], "drive.cut", f"released at {seconds(t_rel):.6f} s, cut {latency:.6f} s later",
            release_t_s=seconds(t_rel), release_to_belt_stopped_s=to_stop,
        )  # fmt: skip


class ClipReleasePosition(Check):
    motorized_only = True
    name = "clip_release_position"
    unit = "m"
    description = "Clip point along the deck when the cord releases the clip."
    source = "ISO 20957-6:2021 §6.5.3: release at <= 70 % of the running-surface length"
    default_text = "0.70 x deck length"
    needs_walker = True  # the cord runs to the walker's waist

    def default_threshold(self, ctx: RunContext) -> float:
        return ISO_RELEASE_FRACTION * ctx.treadmill.deck.length_m

    def measure(self, ctx, reducer):
        release = ctx.first("clip.release", where=lambda d: d.get("by") == "cord")
        if release is None:
            return None, evidence(None, None, "the cord never released the clip in this run")
        t, _, d = release
        fraction = d["clip_x_m"] / ctx.treadmill.deck.length_m
        return d["clip_x_m"], evidence(
            t, "clip.release", f"released at {100 * fraction:.1f} % of the deck length"
        )


class BeltTravelAfterRelease(Check):
    motorized_only = True
    name = "belt_travel_after_release"
    unit = "m"
    description = "Belt travel from the clip release until the belt stops (|v| < 0.01 m/s)."
    source = (
        "derived (REFERENCE.md): the deck left behind the ISO 20957-6 70 % trip point, "
        "(1 - 0.70) x deck length"
    )
    default_text = "0.30 x deck length"

    def default_threshold(self, ctx: RunContext) -> float:
        return (1.0 - ISO_RELEASE_FRACTION) * ctx.treadmill.deck.length_m

    def reducer(self, ctx: RunContext) -> Extreme | None:
        """The belt's furthest position after the release: its travel if it never stops."""
        return Extreme(ctx.signal_index["belt_position_m"], opens_on="clip.release")

    def measure(self, ctx, reducer):
        release = _release(ctx)
        if release is None:
            return _missing_release()
        if not _moving(release[2]):
            return _already_stopped(release)
        stopped = ctx.first("belt.stopped", after=release[0])
        if stopped is None:  # the travel so far: a lower bound, and a failure
            if reducer is None or reducer.value is None:
                return None, evidence(None, None, "the belt had not stopped by the end of the run")
            travel = reducer.value - release[2]["belt_position_m"]
            return travel, evidence(
                None, None, f"the belt had not stopped by the end of the run: at least "
                f"{travel:.3f} m",
            )  # fmt: skip
        travel = stopped[2]["belt_position_m"] - release[2]["belt_position_m"]
        return travel, evidence(stopped[0], "belt.stopped", f"belt stopped after {travel:.3f} m")


class MaxDecelerationAfterRelease(SignalExtremeCheck):
    motorized_only = True
    name = "max_deceleration_after_release"
    unit = "m/s^2"
    description = "Peak belt deceleration between the clip release and the belt stopping."
    source = (
        "Krasna 2021: standing adults recovered 1.0 m/s^2 platform braking without a step; "
        "2.5 m/s^2 needed a compensatory step"
    )
    default = 2.5
    signal = "belt_decel_mps2"
    opens_on = "clip.release"
    opens_if = staticmethod(_moving)
    closes_on = "belt.stopped"
    what = "peak deceleration"

    def measure(self, ctx, reducer):
        release = _release(ctx)
        if release is None:
            return _missing_release()
        if not _moving(release[2]):
            return _already_stopped(release)
        return super().measure(ctx, reducer)


CHECKS = [ClipStopLatency, ClipReleasePosition, BeltTravelAfterRelease, MaxDecelerationAfterRelease]
