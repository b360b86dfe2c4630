"""A motorized treadmill: belt, PMDC motor, drive circuit and speed loop, DC bus, relay, clip
switch and contactor, incline actuator, winding temperature.

The drive board is a sampled-data controller: at each of its loop boundaries it ramps its
speed reference toward the commanded target and sets the armature voltage from a PI loop,
then holds it (zero-order hold) until the next boundary; the belt equation is solved exactly
in between (`belt.affine_step`). Conduction changes of the single-switch chopper, the belt
reaching zero or stopping, and the bus crossing its thresholds are crossing functions, so
the kernel fires them as events at their own time.

Power path: the clip switch and the mains feed the relay coil and the bridge's gate enable.
A clip release or a power loss latches the drive off; nothing restarts until `manual_reset`.
"""

from __future__ import annotations

import math

from sim.kernel import ticks
from sim.treadmills.belt import NEVER, BeltTrain
from sim.treadmills.motor import PmdcMotor
from sim.treadmills.params import LOGIC_WAKE_PER_BROWNOUT, MotorizedParams
from sim.treadmills.thermal import thermal_step

# Armature circuit while the bridge output is held
OPEN = 0  # nothing connected, or every switch off with the EMF below the bus
DRIVEN = 1  # the bridge applies `volts` through Ra (current of either sign on two_quadrant)
BLOCKED = 2  # single-switch chopper asked for less than the EMF: its diode blocks, i = 0
BRAKE = 3  # armature across the brake resistor (nc_brake relay unpowered)


class MotorizedTreadmill(BeltTrain):
    signal_names = (
        "belt_speed_mps", "drive_reference_mps", "target_speed_mps", "belt_accel_mps2",
        "belt_decel_mps2", "belt_position_m", "motor_current_a", "bus_voltage_v", "incline_pct",
        "overspeed_mps", "winding_temp_c",
    )  # fmt: skip
    crossing_names = (
        "belt.zero", "belt.stopped", "drive.conduction", "bus.overvoltage", "bus.brownout",
        "bus.wake",
    )  # fmt: skip

    def __init__(self, p: MotorizedParams):
        super().__init__(p.belt)
        self.p = p
        self.length_m = p.deck.length_m
        self.motor = PmdcMotor(p.motor)
        self.loop_ticks = ticks(p.drive.loop_period_s)
        self.two_quadrant = p.drive.circuit == "two_quadrant"
        self.capacitance_f = p.bus.capacitance_f
        self.bus_floor_j = self._energy(p.bus.mains_peak_v)
        self.bus_clamp_j = (
            self._energy(p.bus.brake_resistor_on_v) if p.bus.brake_resistor_on_v else math.inf
        )
        self.wake_v = p.bus.brownout_v * LOGIC_WAKE_PER_BROWNOUT
        # parameters the sub-step reads, as plain attributes (it runs ~100 times a second)
        self._k = self.motor.k
        self._brake_ohm = p.relay.brake_resistance_ohm or 0.0
        self._logic_w = p.bus.logic_power_w
        self._incline_rate = p.incline.rate_pct_per_s
        self._trip_v = p.bus.overvoltage_trip_v
        self._brownout_v = p.bus.brownout_v

        # commands, as last received from the controller
        self.target_mps = 0.0
        self.target_incline_pct = 0.0
        self.enable_cmd = True
        # drive board
        self.v_ref = 0.0
        self.integral_v = 0.0
        self.volts = 0.0
        self.circuit = OPEN
        self.current_a = 0.0
        # power path
        self.mains_on = True
        self.logic_on = True
        self.clip_attached = True
        self.contactor_open = False
        self.cut_pending = False  # the clip is out and the contactor is dropping
        self.latched = False  # a clip cut, power loss or over-voltage trip: reset by hand
        # bus, incline, winding
        self.bus_energy_j = self.bus_floor_j
        self.bus_voltage_v = p.bus.mains_peak_v
        self.incline_pct = 0.0
        self.winding_c = self.frame_c = p.thermal.ambient_c
        # energy (J) beyond the belt train's: drawn from mains, and where it went
        self.w_mains = self.w_copper = self.w_brake = self.w_logic = 0.0
        self._ra = self._r = self.motor.resistance(self.winding_c)  # armature, and circuit

    def _energy(self, volts: float) -> float:
        return 0.5 * self.capacitance_f * volts * volts

    # ----------------------------------------------------------------- state
    def energy_account(self) -> dict[str, float]:
        """Lab-frame energy since the start (J). In: walker work on the belt + mains; out:
        every loss + what the bus and the belt train stored. The residual closes it."""
        bus_gain = self.bus_energy_j - self.bus_floor_j
        kinetic = self.kinetic_energy_j
        supplied = self.w_walker + self.w_mains
        used = self.w_drag + self.w_copper + self.w_brake + self.w_logic + bus_gain + kinetic
        return {
            "walker_on_belt": self.w_walker,
            "mains": self.w_mains,
            "deck_drag": self.w_drag,
            "motor_copper": self.w_copper,
            "brake_resistor": self.w_brake,
            "logic": self.w_logic,
            "bus_stored": bus_gain,
            "belt_kinetic": kinetic,
            "residual": supplied - used,
        }

    @property
    def drive_ready(self) -> bool:
        """The drive accepts commands: powered, clip in, not latched."""
        return self.mains_on and self.logic_on and not self.latched and not self.contactor_open

    # ----------------------------------------------------------------- dynamics
    def belt_terms(self, f_walker: float, normal_n: float) -> tuple[float, float, float]:
        """The belt equation over the coming sub-step without the walker's force:
        m_eq·dv/dt = a − b·v (+ F_walker), as (a, b, m_eq). Decides whether a belt at rest
        breaks free, with F_walker = f_walker at the start of the sub-step."""
        a_motor, b_motor, self._ra, self._r = self._motor_terms()
        return self.resolve(a_motor, b_motor, f_walker, normal_n)

    def _motor_terms(self) -> tuple[float, float, float, float]:
        """The motor's force on the belt in the present circuit, a − b·v, as (a, b, Ra, R)
        with R the whole circuit's resistance."""
        k = self._k
        ra = self.motor.resistance(self.winding_c)
        circuit = self.circuit
        if circuit == DRIVEN:
            return k * self.volts / ra, k * k / ra, ra, ra
        if circuit == BRAKE:
            r = ra + self._brake_ohm
            return 0.0, k * k / r, ra, r
        return 0.0, 0.0, ra, ra

    def resistance_n(self, speed_mps: float, normal_n: float) -> float:
        """The force along +x it takes to hold the belt at a steady speed with the motor's
        circuit as it is now (negative where the drive itself pushes harder)."""
        a_motor, b_motor, _, _ = self._motor_terms()
        return self.drag_n(speed_mps, normal_n) + b_motor * speed_mps - a_motor

    def incline_at(self, x_m: float) -> float:
        return self.incline_pct

    def refresh(self, accel: float) -> None:
        """Outputs after a discrete change, before time moves on."""
        self.accel = accel
        circuit = self.circuit
        engaged = circuit == DRIVEN or circuit == BRAKE
        self.current_a = (self._volts() - self._k * self.v) / self._r if engaged else 0.0

    def _volts(self) -> float:
        return self.volts if self.circuit == DRIVEN else 0.0

    def advance(
        self, h: float, v1: float, accel: float, int_v: float, int_v2: float, walker_work: float
    ) -> None:
        """Book a solved sub-step of h seconds (after `belt_terms`): the belt's new speed and
        acceleration, the exact ∫v dt and ∫v² dt, and the walker's work on the belt."""
        k = self._k
        ra, r = self._ra, self._r
        circuit = self.circuit
        volts = self._volts()
        self.book(v1, accel, int_v, int_v2, walker_work)

        # the motor's energy over the sub-step, from the exact integrals
        if circuit == DRIVEN or circuit == BRAKE:
            # i = (V − k v)/R:  ∫R i² = (V²h − 2Vk∫v + k²∫v²)/R
            heat = (volts * volts * h - 2.0 * volts * k * int_v + k * k * int_v2) / r
            drive_in = volts * (volts * h - k * int_v) / r  # ∫V i, from the bus
            copper = heat * ra / r
            self.w_copper += copper
            self.w_brake += heat - copper
            self.current_a = (volts - k * v1) / r
        else:
            copper = drive_in = 0.0
            self.current_a = 0.0

        # DC bus: held from below by the rectified mains while powered, clamped from above by
        # a brake chopper if fitted; the bookkeeping is exact, the clamp instant is the step end
        logic_j = self._logic_w * h if self.logic_on else 0.0
        e_bus = self.bus_energy_j - drive_in - logic_j
        self.w_logic += logic_j
        if self.mains_on and e_bus < self.bus_floor_j:
            self.w_mains += self.bus_floor_j - e_bus
            e_bus = self.bus_floor_j
        if e_bus > self.bus_clamp_j:
            self.w_brake += e_bus - self.bus_clamp_j
            e_bus = self.bus_clamp_j
        if e_bus != self.bus_energy_j:
            self.bus_energy_j = e_bus
            self.bus_voltage_v = math.sqrt(2.0 * self.bus_energy_j / self.capacitance_f)

        if self.incline_pct != self.target_incline_pct and self.drive_ready:
            travel = self._incline_rate * h
            gap = self.target_incline_pct - self.incline_pct
            self.incline_pct += max(-travel, min(travel, gap))
        self.winding_c, self.frame_c = thermal_step(
            self.p.thermal, self.winding_c, self.frame_c, copper / h, v1, h
        )

    def crossings(self) -> tuple[float, ...]:
        v = self.v
        zero, stopped = self.belt_crossings()
        if self.circuit == DRIVEN and not self.two_quadrant:
            conduction = self._k * v - self.volts
        elif self.circuit == BLOCKED:
            conduction = self.volts - self._k * v
        else:
            conduction = NEVER
        trip = self._trip_v
        bus_v = self.bus_voltage_v
        overvoltage = bus_v - trip if trip and not self.latched else NEVER
        brownout = self._brownout_v - bus_v if self.logic_on else NEVER
        wake = bus_v - self.wake_v if not self.logic_on else NEVER
        return (zero, stopped, conduction, overvoltage, brownout, wake)

    def signals(self) -> tuple[float, ...]:
        v = self.v
        engaged = self.circuit == DRIVEN or self.circuit == BLOCKED
        return (
            v,
            self.v_ref,
            self.target_mps,
            self.accel,
            -self.accel * self.moving,
            self.s,
            self.current_a,
            self.bus_voltage_v,
            self.incline_pct,
            v - self.v_ref if engaged else 0.0,
            self.winding_c,
        )

    def on_crossing(self, name: str) -> dict:
        if name == "belt.zero":
            return self.on_belt_zero()
        if name == "belt.stopped":
            return {"belt_position_m": self.s}
        if name == "drive.conduction":
            self.circuit = BLOCKED if self.circuit == DRIVEN else DRIVEN
            return {"conducting": self.circuit == DRIVEN}
        if name == "bus.overvoltage":
            self.latched = True
            self._update_circuit()
            return {"bus_voltage_v": self.bus_voltage_v}
        if name == "bus.brownout":
            self.logic_on = False
            self._update_circuit()
            return {"bus_voltage_v": self.bus_voltage_v}
        if name == "bus.wake":
            self.logic_on = True
            self._update_circuit()
            return {"bus_voltage_v": self.bus_voltage_v}
        raise KeyError(name)

    # ----------------------------------------------------------------- drive board
    def next_boundary(self, t: int) -> int:
        return (t // self.loop_ticks + 1) * self.loop_ticks

    def on_boundary(self, t: int) -> None:
        self._update_circuit()

    def _update_circuit(self) -> None:
        """The drive board's loop: what the armature is connected to, and at what voltage."""
        relay_powered = self.logic_on and not self.contactor_open
        kind = self.p.relay.kind
        bridge = self.drive_ready and self.enable_cmd
        if not relay_powered and kind == "nc_brake":
            self.circuit = BRAKE
        elif not bridge or (not relay_powered and kind == "no_series"):
            self.circuit = OPEN
        else:
            self._speed_loop()
            return
        # bumpless: a later restart ramps from the belt's actual speed
        self.v_ref = max(self.v, 0.0)
        self.integral_v = 0.0
        self.volts = 0.0

    def _speed_loop(self) -> None:
        d = self.p.drive
        period = d.loop_period_s
        target = min(max(self.target_mps, 0.0), d.max_speed_mps)
        gap = target - self.v_ref
        self.v_ref += max(-d.ramp_decel_mps2 * period, min(d.ramp_accel_mps2 * period, gap))
        k = self.motor.k
        ra = self.motor.resistance(self.winding_c)
        emf = k * self.v
        error = self.v_ref - self.v
        wanted = k * self.v_ref + d.speed_kp_v_per_mps * error + self.integral_v
        limited = min(max(wanted, emf - ra * d.current_limit_a), emf + ra * d.current_limit_a)
        volts = min(max(limited, 0.0), d.max_duty * self.bus_voltage_v)
        if volts == wanted:  # integrate only while unsaturated (anti-windup)
            self.integral_v += d.speed_ki_v_per_m * error * period
        self.volts = volts
        self.circuit = DRIVEN if self.two_quadrant or volts > emf else BLOCKED

    # ----------------------------------------------------------------- hardware events
    def command(self, target_mps: float, target_incline_pct: float, enable: bool) -> None:
        """What the controller asks for; only the drive's own loop acts on it."""
        self.target_mps = target_mps
        self.target_incline_pct = min(max(target_incline_pct, 0.0), self.p.incline.max_pct)
        self.enable_cmd = enable

    def release_clip(self) -> None:
        self.clip_attached = False
        self.cut_pending = True

    def cut(self) -> None:
        """The contactor opens: motor and incline power cut in hardware, latched."""
        self.contactor_open = True
        self.cut_pending = False
        self.latched = True
        self._update_circuit()

    def lose_power(self) -> None:
        self.mains_on = False
        self.latched = True
        self._update_circuit()

    def restore_power(self) -> None:
        self.mains_on = True

    def manual_reset(self) -> bool:
        """Clip back in and the reset pressed: the drive may run again if powered. Refused
        while the contactor is still dropping from a clip release or the power is off."""
        if self.cut_pending or not self.mains_on:
            return False
        self.clip_attached = True
        self.contactor_open = False
        self.latched = False
        self._update_circuit()
        return True
