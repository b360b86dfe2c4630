"""Parameters of a motorized treadmill, as a preset file declares them (SI, unit in the name)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, model_validator

from sim.strict import Fraction, NonNegative, Positive, StrictModel


class Deck(StrictModel):
    length_m: Positive


class Belt(StrictModel):
    equivalent_mass_kg: Positive  # belt, rollers, flywheel and drive train reflected to the belt
    no_load_drag_n: NonNegative
    friction_coefficient: NonNegative  # deck friction per newton of the walker's normal force
    viscous_drag_n_per_mps: NonNegative = 0.0


class Motor(StrictModel):
    ke_v_s_per_rad: Positive  # EMF constant; Kt = Ke in SI units
    armature_resistance_ohm: Positive  # at resistance_reference_c
    resistance_reference_c: float = 20.0
    copper_temperature_coefficient_per_k: NonNegative = 0.00393
    rad_per_m: Positive  # motor radians per metre of belt (pulley ratio / roller radius)
    peak_current_a: Positive  # the motor's rated peak armature current


class InductionMotor(StrictModel):
    """An AC induction motor on an inverter (a `vfd` drive), seen from the belt: a force
    growing with slip below the synchronous speed, up to the drive's torque limit; no
    magnets, so no EMF with the inverter off."""

    slip_n_per_mps: Positive  # belt force per m/s the belt runs below the synchronous speed
    force_limit_n: Positive  # the drive's torque limit, at the belt, either way
    peak_current_a: Positive  # the inverter's DC-link current rating


class Drive(StrictModel):
    circuit: Literal["single_quadrant_chopper", "two_quadrant", "vfd"]
    max_duty: Fraction
    current_limit_a: Positive
    loop_period_s: Annotated[float, Field(ge=1e-4, le=0.1)]  # the board's own speed loop
    speed_kp_v_per_mps: NonNegative
    speed_ki_v_per_m: NonNegative
    ramp_accel_mps2: Positive
    ramp_decel_mps2: Positive
    max_speed_mps: Positive
    diode_drop_v: NonNegative = 1.0  # the bridge's body and freewheel diodes, forward


LOGIC_WAKE_PER_BROWNOUT = 1.2  # the logic rail wakes 20 % above its brown-out (unsourced)


class Bus(StrictModel):
    mains_peak_v: Positive  # rectified mains: the bus is held here from below while powered
    capacitance_f: Positive
    capacitor_rating_v: Positive
    logic_power_w: NonNegative  # control board and relay coil, drawn from the bus
    brownout_v: Positive  # the logic rail drops below this bus voltage
    logic_supply: Literal["bus", "mains"] = "bus"  # mains: its own supply, never back-fed
    brake_resistor_on_v: Positive | None = None  # a brake chopper clamps the bus here
    overvoltage_trip_v: Positive | None = None  # the drive disables its bridge here

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> Bus:
        """Each threshold must be crossed on the way, never already past at power-up."""
        if self.brownout_v * LOGIC_WAKE_PER_BROWNOUT >= self.mains_peak_v:
            raise ValueError(
                f"brownout_v x {LOGIC_WAKE_PER_BROWNOUT} (the logic's wake-up) must be below "
                "mains_peak_v"
            )
        for name in ("brake_resistor_on_v", "overvoltage_trip_v"):
            value = getattr(self, name)
            if value is not None and value <= self.mains_peak_v:
                raise ValueError(f"{name} must be above mains_peak_v (got {value})")
        return self


class Relay(StrictModel):
    """none: the armature hard-wired to the bridge; no_series: in series with it, open while
    its coil (on the logic rail) is unpowered; nc_brake: puts brake_resistance_ohm (0: a
    short) across the armature while unpowered, and with changeover also disconnects the
    bridge then."""

    kind: Literal["none", "no_series", "nc_brake"]
    changeover: bool = True
    brake_resistance_ohm: NonNegative | None = None

    @model_validator(mode="after")
    def _brake_needs_resistance(self) -> Relay:
        if self.kind == "nc_brake" and self.brake_resistance_ohm is None:
            raise ValueError("an nc_brake relay needs brake_resistance_ohm")
        return self


class Clip(StrictModel):
    anchor_x_m: float  # console anchor along the deck (0 = front end)
    anchor_height_m: Positive  # above the deck
    cord_length_m: Positive  # anchor to clip, taut but unstretched
    stretch_at_release_m: Positive  # cord elongation when its tension reaches the release force
    release_force_n: Positive
    contactor_delay_s: NonNegative  # clip switch opening -> motor and incline power cut
    fits_height_min_m: Positive  # the walker heights the maker claims the clip fits
    fits_height_max_m: Positive

    @model_validator(mode="after")
    def _ordered(self) -> Clip:
        if self.fits_height_min_m > self.fits_height_max_m:
            raise ValueError("fits_height_min_m must not exceed fits_height_max_m")
        return self


class Incline(StrictModel):
    max_pct: NonNegative
    rate_pct_per_s: Positive


class Tach(StrictModel):
    """The belt-speed sensor a controller reads (the drive's own loop has its own): a
    magnet or slot on a roller, timed edge to edge. At one pulse per turn of a 71 mm roller
    (0.223 m) it updates about once a second at 0.5 mph."""

    pulses_per_rev: Annotated[int, Field(ge=1, le=10_000)] = 1
    roller_diameter_m: Positive = 0.0711
    timer_resolution_s: Positive = 1e-4  # edge times are counted in these
    delay_s: NonNegative = 0.01  # filtering and the bus to the controller
    noise_fraction: NonNegative = 0.0  # relative sd of each reading
    timeout_s: Positive = 2.0  # no edge for this long reads zero


class AnalogSensor(StrictModel):
    resolution: Positive  # in the sensor's unit
    noise_sd: NonNegative = 0.0
    delay_s: NonNegative = 0.0


class PositionSensor(AnalogSensor):
    """An optional walker-position sensor (a time-of-flight or a light curtain) along the
    deck, reporting where the walker's body is (0 = front end)."""

    resolution: Positive = 0.01
    noise_sd: NonNegative = 0.01
    delay_s: NonNegative = 0.05


class SensorFit(StrictModel):
    """The sensors the controller's board has (the clip switch and drive-ready line always)."""

    tach: Tach = Tach()
    motor_current: AnalogSensor = AnalogSensor(resolution=0.1)
    bus_voltage: AnalogSensor = AnalogSensor(resolution=1.0)
    incline: AnalogSensor = AnalogSensor(resolution=0.1)
    walker_position: PositionSensor | None = None  # not fitted


class Watchdog(StrictModel):
    """The drive board cuts the drive (latched, like a clip cut) when no command has come
    from the controller for timeout_s; it looks at every loop boundary."""

    timeout_s: Annotated[float, Field(gt=0, le=60)]


class Thermal(StrictModel):
    winding_capacity_j_per_k: Positive
    frame_capacity_j_per_k: Positive
    winding_to_frame_k_per_w: Positive
    frame_to_air_w_per_k: Positive  # at standstill
    frame_to_air_w_per_k_per_mps: NonNegative  # extra cooling per m/s of belt (the fan)
    ambient_c: float = 20.0
    max_winding_c: Positive = 130.0  # the insulation's limit (thermal class B)


class Rails(StrictModel):
    """A pair of rails (one each side) along the deck: where they run and how high."""

    front_x_m: NonNegative  # from the deck's front end
    rear_x_m: Positive
    height_m: NonNegative  # above the belt

    @model_validator(mode="after")
    def _ordered(self) -> Rails:
        if self.front_x_m >= self.rear_x_m:
            raise ValueError("front_x_m must be less than rear_x_m")
        return self


class Frame(StrictModel):
    """What every treadmill shares: its name, deck and the rails a walker can use."""

    name: str
    description: str = ""
    deck: Deck
    handrails: Rails
    side_rails: Rails  # the platforms beside the belt a walker stands on to get on
    sources: dict[str, str] = Field(default_factory=dict)  # "section.field" -> where it comes from


class Servo(StrictModel):
    """An ideal four-quadrant servo: the belt follows its speed profile whatever the load."""

    max_accel_mps2: Positive
    max_speed_mps: Positive
    default_accel_mps2: Positive  # for a set-point that gives no acceleration of its own

    @model_validator(mode="after")
    def _default_within_max(self) -> Servo:
        if self.default_accel_mps2 > self.max_accel_mps2:
            raise ValueError("default_accel_mps2 must not exceed max_accel_mps2")
        return self


class SpeedSourceParams(Frame):
    """A lab perturbation treadmill: the belt speed is prescribed (walkers wear a harness:
    no clip); the deck's incline is fixed."""

    kind: Literal["speed_source"]
    equivalent_mass_kg: Positive  # belt and rollers: for the force the servo applies
    incline_pct: NonNegative = 0.0  # a fixed deck incline (front raised)
    servo: Servo


class MotorizedParams(Frame):
    kind: Literal["motorized"]
    # a lab dynamometer driving the belt at the timeline's set-points, whatever the motor
    # does (no walker): the force it needs is the deadmill's resistance, measured
    dyno: Servo | None = None
    # "off": unplugged long before the run: the bus discharged, the logic off, the drive
    # latched off until power comes back and the reset is pressed
    mains: Literal["on", "off"] = "on"
    belt: Belt
    motor: Motor | None = None  # a PMDC drive's motor
    drive: Drive
    bus: Bus
    relay: Relay
    clip: Clip
    incline: Incline
    thermal: Thermal
    induction: InductionMotor | None = None  # a vfd drive's motor (`motor` is the PMDC's)
    sensors: SensorFit = SensorFit()
    watchdog: Watchdog | None = None  # none fitted: a hung controller's last command stands

    @model_validator(mode="after")
    def _motor_fits_drive(self) -> MotorizedParams:
        vfd = self.drive.circuit == "vfd"
        if vfd != (self.induction is not None):
            raise ValueError("a vfd drive needs [induction] (its motor); a PMDC drive has none")
        if vfd == (self.motor is not None):
            raise ValueError("a PMDC drive needs [motor]; a vfd drive's motor is [induction]")
        return self

    @property
    def peak_current_a(self) -> float:
        return self.induction.peak_current_a if self.induction else self.motor.peak_current_a

    @model_validator(mode="after")
    def _thermal_step_stable(self) -> MotorizedParams:
        """The winding model takes explicit steps of at most one drive loop period; keep that
        well inside its stability limit (h < 2 C / G for each node)."""
        t = self.thermal
        g_winding = 1.0 / t.winding_to_frame_k_per_w
        g_frame = g_winding + t.frame_to_air_w_per_k + t.frame_to_air_w_per_k_per_mps * 10.0
        h = self.drive.loop_period_s
        if h * g_winding / t.winding_capacity_j_per_k > 0.5 or (
            h * g_frame / t.frame_capacity_j_per_k > 0.5
        ):
            raise ValueError(
                "thermal capacities too small for the drive loop period: the winding model "
                "would be unstable"
            )
        return self


class EddyBrake(StrictModel):
    """A magnetic (eddy-current) brake with selectable levels: at each level a drag
    coefficient, F = c·v (an eddy brake's force grows with speed, linearly well below its
    peak-force speed, far above walking speeds)."""

    levels_n_per_mps: Annotated[list[NonNegative], Field(min_length=1)]
    level: Annotated[int, Field(ge=1)] = 1  # 1 = the lightest

    @model_validator(mode="after")
    def _level_exists(self) -> EddyBrake:
        if self.level > len(self.levels_n_per_mps):
            raise ValueError(f"level {self.level}: there are {len(self.levels_n_per_mps)} levels")
        return self

    @property
    def coefficient_n_per_mps(self) -> float:
        return self.levels_n_per_mps[self.level - 1]


class Unpowered(Frame):
    """What every treadmill the walker drives has: a belt train (the flywheel dominates its
    equivalent mass) and a brake."""

    belt: Belt
    brake: EddyBrake


class ManualFlatParams(Unpowered):
    """A manual treadmill with a flat deck, set to one of its fixed incline settings."""

    kind: Literal["manual_flat"]
    incline_settings_pct: Annotated[list[NonNegative], Field(min_length=1)]
    incline_pct: NonNegative = 0.0

    @model_validator(mode="after")
    def _a_setting(self) -> ManualFlatParams:
        if self.incline_pct not in self.incline_settings_pct:
            raise ValueError(
                f"incline_pct = {self.incline_pct:g} is not one of the incline_settings_pct "
                f"{self.incline_settings_pct}"
            )
        return self


class DeclineTrainerParams(Unpowered):
    """A backward trainer: a fixed decline, the handle end low (θ = −decline_deg in the deck
    frame); `handrails` is its handle."""

    kind: Literal["decline_trainer"]
    decline_deg: Annotated[float, Field(gt=0, lt=30)]


class Curve(StrictModel):
    """The concave deck's height profile along x: a circular arc of radius_m, or the
    polynomial z(x) = Σ cᵢ·(x − lowest_x_m)^(i+2) (lowest at lowest_x_m, concave)."""

    shape: Literal["arc", "polynomial"]
    lowest_x_m: Positive
    radius_m: Positive | None = None
    coefficients_per_m: Annotated[list[float], Field(min_length=1)] | None = None

    def polynomial_dz_dx(self, x_m: float) -> float:
        """The polynomial deck's rise per metre toward the rear at x."""
        d = x_m - self.lowest_x_m
        return sum((i + 2) * k * d ** (i + 1) for i, k in enumerate(self.coefficients_per_m))

    @model_validator(mode="after")
    def _shape_given(self) -> Curve:
        if self.shape == "arc" and self.radius_m is None:
            raise ValueError("an arc needs radius_m")
        if self.shape == "polynomial" and self.coefficients_per_m is None:
            raise ValueError("a polynomial needs coefficients_per_m")
        return self


class CurvedParams(Unpowered):
    kind: Literal["curved"]
    curve: Curve

    @model_validator(mode="after")
    def _curve_fits(self) -> CurvedParams:
        c, length = self.curve, self.deck.length_m
        if c.lowest_x_m >= length:
            raise ValueError(f"curve.lowest_x_m must lie on the {length:g} m deck")
        if c.shape == "arc" and c.radius_m <= max(c.lowest_x_m, length - c.lowest_x_m):
            raise ValueError("curve.radius_m must exceed the deck's reach from its lowest point")
        if c.shape == "polynomial":  # concave: the slope falls from the front end to the rear
            slopes = [c.polynomial_dz_dx(length * i / 100) for i in range(101)]
            if any(b <= a for a, b in zip(slopes, slopes[1:], strict=False)):
                raise ValueError(
                    "curve.coefficients_per_m: the deck must be concave over its length (its "
                    "slope rising from the front end to the rear)"
                )
        return self


UnpoweredParams = ManualFlatParams | DeclineTrainerParams | CurvedParams
AnyParams = MotorizedParams | SpeedSourceParams | UnpoweredParams
TreadmillParams = Annotated[AnyParams, Field(discriminator="kind")]
TREADMILL_PARAMS: TypeAdapter[AnyParams] = TypeAdapter(TreadmillParams)
