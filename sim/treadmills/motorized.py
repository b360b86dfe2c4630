"""A motorized treadmill: belt, PMDC motor, drive circuit and speed loop, DC bus, relay, clip
switch and contactor, incline actuator, winding temperature.

The drive board is a sampled-data controller: at each of its loop boundaries it ramps its
speed reference toward the commanded target and sets the armature voltage from a PI loop,
then holds it (zero-order hold) until the next boundary; the belt equation is solved exactly
in between (`belt.affine_step`). Conduction changes of the single-switch chopper and of the
bridge's diodes, the belt reaching zero or stopping, and the bus crossing its thresholds
are crossing functions, so the kernel fires them as events at their own time.

Power path: the clip switch and the mains feed the relay coil and the bridge's gate enable.
A clip release or a power loss latches the drive off; nothing restarts until `manual_reset`.
The relay's coil is on the logic rail, fed from the bus (or the mains, per preset): a belt
pushed with the power off can back-feed the bus through the bridge's diodes, wake the logic,
pull the relay in and brown it out again (`sim.treadmills.drive` has the circuit states).
"""

from __future__ import annotations

import math

from sim.kernel import ticks
from sim.treadmills import drive
from sim.treadmills.belt import NEVER, BeltTrain
from sim.treadmills.drive import Circuit
from sim.treadmills.motor import PmdcMotor
from sim.treadmills.params import LOGIC_WAKE_PER_BROWNOUT, MotorizedParams
from sim.treadmills.speed_source import end_ramp, ramp_end, ramp_to
from sim.treadmills.thermal import thermal_step

OPEN, DRIVEN, BLOCKED, BRAKE = Circuit.OPEN, Circuit.DRIVEN, Circuit.BLOCKED, Circuit.BRAKE
BACKFEED, FREEWHEEL, INVERTER = Circuit.BACKFEED, Circuit.FREEWHEEL, Circuit.INVERTER
GAINING_M2_PER_S3 = 1e-9  # v·a above this: the belt gaining speed (not holding it)


class MotorizedTreadmill(BeltTrain):
    signal_names = (
        "belt_speed_mps", "drive_reference_mps", "target_speed_mps", "belt_accel_mps2",
        "belt_decel_mps2", "belt_position_m", "motor_current_a", "bus_voltage_v", "incline_pct",
        "overspeed_mps", "winding_temp_c", "armature_voltage_v", "backfed_energy_j",
        "uncommanded_speed_mps", "dyno_force_n", "relay_closed",
    )  # fmt: skip
    crossing_names = (
        "belt.zero", "belt.stopped", "drive.conduction", "drive.diode", "bus.overvoltage",
        "bus.brownout", "bus.wake", "dyno.ramp_end",
    )  # fmt: skip

    def __init__(self, p: MotorizedParams):
        super().__init__(p.belt)
        self.p = p
        self.length_m = p.deck.length_m
        self.motor = PmdcMotor(p.motor) if p.motor else None  # None: a vfd's induction motor
        self.induction = p.induction
        self.torque_limit_n: float | None = None  # an inverter at its limit: the force, signed
        self.loop_ticks = ticks(p.drive.loop_period_s)
        self.two_quadrant = p.drive.circuit == "two_quadrant"
        self.capacitance_f = p.bus.capacitance_f
        self.bus_floor_j = self._energy(p.bus.mains_peak_v)
        self.bus_clamp_j = (
            self._energy(p.bus.brake_resistor_on_v) if p.bus.brake_resistor_on_v else math.inf
        )
        self.wake_v = p.bus.brownout_v * LOGIC_WAKE_PER_BROWNOUT
        # parameters the sub-step reads, as plain attributes (it runs ~100 times a second)
        self._k = self.motor.k if self.motor else 0.0  # an induction motor has no EMF
        self._brake_ohm = p.relay.brake_resistance_ohm
        self._diode_v = p.drive.diode_drop_v
        self._logic_from_bus = p.bus.logic_supply == "bus"
        self._logic_w = p.bus.logic_power_w
        self._incline_rate = p.incline.rate_pct_per_s
        self._trip_v = p.bus.overvoltage_trip_v
        self._brownout_v = p.bus.brownout_v

        # commands, as last received from the controller
        self.target_mps = 0.0
        self.target_incline_pct = 0.0
        self.enable_cmd = p.mains == "on"  # a board that never powered up has had none
        self.brake_cmd = 0.0  # the dynamic brake's duty while not driving (two-quadrant only)
        # drive board
        self.v_ref = 0.0
        self.integral_v = 0.0
        self.volts = 0.0
        self.circuit = OPEN
        self.current_a = 0.0
        self.wired = True  # the armature on the bridge (relay closed, or hard-wired)
        self.brake_on = False  # a brake resistor across the armature (nc_brake unpowered)
        self.brake_ohm: float | None = None  # across the armature now, as the loop set it
        self.relay_closed = True  # its coil pulled in (or welded, or no relay at all)
        # power path
        powered = p.mains == "on"
        self.mains_on = self.logic_on = powered
        self.clip_attached = True
        self.contactor_open = False
        self.cut_pending = False  # the clip is out and the contactor is dropping
        self.latched = not powered  # a clip cut, power loss or over-voltage trip: by hand
        # injected faults: the clip switch's contacts welded shut, the armature relay welded
        self.clip_switch_stuck = False
        self.relay_welded = False
        self.rail_held_down = False  # a brown-out: the rail stays down whatever the bus
        self.logic_losses = 0  # times the board's rail went down (each one resets it)
        # bus, incline, winding
        self.bus_energy_j = self.bus_floor_j if powered else 0.0
        self.bus_voltage_v = p.bus.mains_peak_v if powered else 0.0
        self.bus_initial_j = self.bus_energy_j
        self.incline_pct = 0.0
        self.winding_c = self.frame_c = p.thermal.ambient_c
        # energy (J) beyond the belt train's: drawn from mains, and where it went
        self.w_mains = self.w_copper = self.w_brake = self.w_logic = self.w_diode = 0.0
        self.w_backfed = 0.0  # into the bus through the bridge's diodes from the armature
        # a lab dynamometer holding the belt to a speed profile (`p.dyno`), and its work
        self.dyno_target_mps = self.dyno_accel = self.dyno_force_n = self.w_dyno = 0.0
        self._t = drive.Terms(ra=self._ra())
        if not powered:
            self._update_circuit()
        if p.dyno is not None:  # the belt is the dynamometer's: its own step replaces the belt's
            self.step = self._dyno_step

    def _energy(self, volts: float) -> float:
        return 0.5 * self.capacitance_f * volts * volts

    # ----------------------------------------------------------------- state
    def energy_account(self) -> dict[str, float]:
        """Lab-frame energy since the start (J). In: walker work on the belt + mains; out:
        every loss + what the bus and the belt train stored. The residual closes it."""
        bus_gain = self.bus_energy_j - self.bus_initial_j
        kinetic = self.kinetic_energy_j
        supplied = self.w_walker + self.w_mains + self.w_dyno
        used = (self.w_drag + self.w_copper + self.w_brake + self.w_diode + self.w_logic
                + bus_gain + kinetic)  # fmt: skip
        return {
            "walker_on_belt": self.w_walker,
            "mains": self.w_mains,
            "dyno": self.w_dyno,
            "deck_drag": self.w_drag,
            "motor_copper": self.w_copper,
            "brake_resistor": self.w_brake,
            "diodes": self.w_diode,
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
        m·dv/dt = a − b·v (+ F_walker), as (a, b, m) with m the belt train's mass (and the
        back-fed bus capacitor's). Decides whether a belt at rest breaks free, with
        F_walker = f_walker at the start of the sub-step."""
        t = self._t = self._terms(self.circuit)
        a, b, m_eq = self.resolve(t.a, t.b, f_walker, normal_n)
        return a, b, m_eq + t.m

    def _dyno_step(self, h_ticks: int, *walker_load: float) -> None:
        """`step` on a dynamometer (no walker): the belt follows its ramp, and the dyno
        gives whatever force that takes: F = (m_eq + m_motor)·a + F_drag(v) − (a_motor −
        b_motor·v)."""
        self.belt_terms(0.0, 0.0)  # the circuit's terms and the deck drag
        a, v0 = self.dyno_accel, self.v
        self.moving = (v0 > 0.0) - (v0 < 0.0) or (a > 0.0) - (a < 0.0)
        t, f_c = self._t, self.moving * self.f_coulomb
        if h_ticks:
            h = h_ticks * 1e-6
            v1 = v0 + a * h
            int_v = v0 * h + 0.5 * a * h * h
            int_v2 = v0 * v0 * h + v0 * a * h * h + a * a * h * h * h / 3.0
            self.w_dyno += ((self.m_eq + t.m) * a + f_c - t.a) * int_v + (
                self._viscous + t.b) * int_v2  # fmt: skip
            self.advance(h, v1, a, int_v, int_v2, 0.0)
        else:
            self.refresh(a)
        v = self.v
        self.dyno_force_n = (self.m_eq + t.m) * a + f_c + (self._viscous + t.b) * v - t.a

    def prescribe(self, target_mps: float, accel_mps2: float | None) -> dict:
        """The dynamometer's new set-point, reached at accel_mps2 (its default if None)."""
        self.dyno_target_mps, self.dyno_accel = ramp_to(self.p.dyno, self.v, target_mps, accel_mps2)
        return {"from_mps": self.v, "to_mps": self.dyno_target_mps,
                "accel_mps2": self.dyno_accel}  # fmt: skip

    def _ra(self) -> float:
        """The PMDC armature's resistance at the winding's temperature (1 Ω for a vfd)."""
        return self.motor.resistance(self.winding_c) if self.motor else 1.0

    def _terms(self, circuit: Circuit) -> drive.Terms:
        """The motor's force terms in a circuit state, as the armature is wired now."""
        if circuit == OPEN or circuit == BLOCKED:
            return drive.NO_TERMS
        if circuit == INVERTER:
            return drive.inverter_terms(self.v_ref, self.induction.slip_n_per_mps,
                                        self.torque_limit_n, self.bus_voltage_v)  # fmt: skip
        logic_a = self._logic_w / max(self.bus_voltage_v, 1.0)  # 1 V: a floor for a flat bus
        return drive.terms(
            circuit, self._k, self._ra(), self.volts,
            self.brake_ohm, self._diode_v, self.capacitance_f,
            logic_a if self.logic_on and self._logic_from_bus else 0.0,
        )  # fmt: skip

    def _active_brake_ohm(self) -> float | None:
        """The resistance across the armature while braking: the relay's brake resistor, or
        the bridge's lower switch shorting it at the commanded duty d, which on average
        passes d times the short-circuit current (R = Ra·(1 − d)/d)."""
        if self.brake_on:
            return self._brake_ohm
        if self._board_brakes():
            d = self.brake_cmd
            return self._ra() * (1.0 - d) / d
        return None

    def _board_brakes(self) -> bool:
        return (self.two_quadrant and self.brake_cmd > 0.0 and self.wired and self.logic_on
                and not (self.drive_ready and self.enable_cmd))  # fmt: skip

    def resistance_n(self, speed_mps: float, normal_n: float) -> float:
        """The force along +x it takes to hold the belt at a steady speed with the motor's
        circuit as it is now (negative where the drive itself pushes harder)."""
        t = self._terms(self.circuit)
        return self.drag_n(speed_mps, normal_n) + t.b * speed_mps - t.a

    def damping_n_per_mps(self) -> float:
        """The belt's resistance per m/s of speed with the circuit as it is now (a driving
        speed loop holds the belt far harder than this: it is for a belt left alone)."""
        return self._viscous + self._terms(self.circuit).b

    def incline_at(self, x_m: float) -> float:
        return self.incline_pct

    def refresh(self, accel: float) -> None:
        """Outputs after a discrete change, before time moves on."""
        self.accel = accel
        self.current_a = drive.current(
            self.circuit, self._t, self._k, self._diode_v, self.capacitance_f, self.v, accel
        )

    def advance(
        self, h: float, v1: float, accel: float, int_v: float, int_v2: float, walker_work: float
    ) -> None:
        """Book a solved sub-step of h seconds (after `belt_terms`): the belt's new speed and
        acceleration, the exact ∫v dt and ∫v² dt, and the walker's work on the belt."""
        circuit, t, k, c = self.circuit, self._t, self._k, self.capacitance_f
        v0 = self.v
        self.book(v1, accel, int_v, int_v2, walker_work)
        # the motor's energy over the sub-step, from the exact integrals
        books = drive.book(circuit, t, k, self._diode_v, c, h, v0, v1, int_v, int_v2)
        copper = books.copper
        self.w_copper += copper
        self.w_brake += books.brake
        self.w_diode += books.diode
        self.current_a = drive.current(circuit, t, k, self._diode_v, c, v1, accel)

        # DC bus: held from below by the rectified mains while powered, clamped from above by
        # a brake chopper if fitted; the bookkeeping is exact, the clamp instant is the step
        # end. Back-fed, the armature's EMF holds it (and feeds the logic).
        if books.bus_v is not None:
            e_bus = self._energy(books.bus_v)
            self.w_logic += books.logic
            self.w_backfed += e_bus - self.bus_energy_j + books.logic
        else:
            logic_j = self._logic_w * h if self.logic_on else 0.0
            self.w_logic += logic_j
            if not self._logic_from_bus:
                self.w_mains += logic_j
                logic_j = 0.0
            e_bus = self.bus_energy_j - books.from_bus - logic_j
        if self.mains_on and e_bus < self.bus_floor_j:
            self.w_mains += self.bus_floor_j - e_bus
            e_bus = self.bus_floor_j
        if e_bus > self.bus_clamp_j:
            self.w_brake += e_bus - self.bus_clamp_j
            e_bus = self.bus_clamp_j
        if e_bus != self.bus_energy_j:
            self.bus_energy_j = max(e_bus, 0.0)
            self.bus_voltage_v = math.sqrt(2.0 * self.bus_energy_j / c)

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
        elif self.circuit == INVERTER:  # reaching its torque limit, or leaving it
            m = self.induction
            over = abs(m.slip_n_per_mps * (self.v_ref - v)) - m.force_limit_n
            conduction = over if self.torque_limit_n is None else -over
        else:
            conduction = NEVER
        trip = self._trip_v
        bus_v = self.bus_voltage_v
        overvoltage = bus_v - trip if trip and not self.latched else NEVER
        on_bus = self._logic_from_bus
        brownout = self._brownout_v - bus_v if on_bus and self.logic_on else NEVER
        waking = on_bus and not self.logic_on and not self.rail_held_down
        wake = bus_v - self.wake_v if waking else NEVER
        dyno = ramp_end(v, self.dyno_target_mps, self.dyno_accel) if self.p.dyno else NEVER
        return (zero, stopped, conduction, self._diode_crossing(), overvoltage, brownout, wake,
                dyno)  # fmt: skip

    def _diode_crossing(self) -> float:
        """A bridge diode starting (the EMF past the bus, or reversed past the drop) or
        stopping (no more current into the bus; the reverse EMF back within the drop)."""
        circuit, k, v = self.circuit, self._k, self.v
        if circuit == BACKFEED:
            return -drive.backfeed_bus_current(self._t, k, self.capacitance_f, self.accel)
        if circuit == FREEWHEEL:
            return k * v + self._diode_v
        if self.wired and (circuit == OPEN or circuit == BRAKE):
            return max(self._backfeed_margin(), -k * v - self._diode_v)
        return NEVER

    def _backfeed_margin(self) -> float:
        """How far the EMF (through a brake divider, if one is across the armature) is past
        what it takes to drive current into the bus."""
        t = self._terms(BACKFEED)
        return drive.backfeed_bus_v(t, self._k, self._diode_v, self.v) - self.bus_voltage_v

    def signals(self) -> tuple[float, ...]:
        v = self.v
        engaged = self.circuit in (DRIVEN, BLOCKED, INVERTER)
        return (
            v,
            self.v_ref,
            self.target_mps,
            self.accel,
            self.decel_mps2,
            self.s,
            self.current_a,
            self.bus_voltage_v,
            self.incline_pct,
            v - self.v_ref if engaged else 0.0,
            self.winding_c,
            self._armature_voltage(),
            self.w_backfed,
            abs(v) if self._pushed() else 0.0,
            self.dyno_force_n,
            1.0 if self.relay_closed else 0.0,
        )

    def _armature_voltage(self) -> float:
        circuit, k, v = self.circuit, self._k, self.v
        if circuit == DRIVEN:
            return self.volts
        if circuit == FREEWHEEL:
            return -self._diode_v
        if circuit == BACKFEED:
            return drive.backfeed_bus_v(self._t, k, self._diode_v, v) + self._diode_v
        if circuit == BRAKE:
            return k * v * (self._t.r - self._t.ra) / self._t.r  # the brake divider
        return k * v  # open: the EMF itself

    def _pushed(self) -> bool:
        """The belt gaining speed while the drive is not commanding any: pushed."""
        commanding = self.drive_ready and self.enable_cmd and self.target_mps > 0.0
        return not commanding and self.v * self.accel > GAINING_M2_PER_S3

    def on_crossing(self, name: str) -> dict:
        details = self.on_belt_crossing(name)
        if details is not None:
            return details
        if name == "drive.conduction":
            if self.circuit == INVERTER:  # onto its torque limit, or off it
                self._set_torque_limit(self.torque_limit_n is None)
                return {"torque_limited": self.torque_limit_n is not None}
            self.circuit = BLOCKED if self.circuit == DRIVEN else DRIVEN
            return {"conducting": self.circuit == DRIVEN}
        if name == "dyno.ramp_end":
            self.w_dyno += end_ramp(self, self.dyno_target_mps)
            self.dyno_accel = 0.0
            return {"belt_speed_mps": self.v, "belt_position_m": self.s}
        if name == "drive.diode":
            self._update_circuit()
            return {"circuit": self.circuit.name.lower(), "bus_voltage_v": self.bus_voltage_v,
                    "emf_v": self._k * self.v}  # fmt: skip
        if name == "bus.overvoltage":
            self.latched = True
            self._update_circuit()
            return {"bus_voltage_v": self.bus_voltage_v}
        if name == "bus.brownout":
            self._logic_lost()
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
        relay = self.p.relay
        wanted = self.enable_cmd or self.brake_cmd > 0.0  # driving, or braking on the bridge
        pulled_in = self.logic_on and not self.contactor_open and wanted
        self.relay_closed = relay.kind == "none" or pulled_in or self.relay_welded
        if self.relay_closed:
            self.wired, self.brake_on = True, False  # hard-wired, or the relay pulled in
        elif relay.kind == "no_series":
            self.wired, self.brake_on = False, False
        else:  # nc_brake, dropped out
            self.wired, self.brake_on = not relay.changeover, True
        self.brake_ohm = self._active_brake_ohm()  # held until the loop looks again
        if self.wired and self.drive_ready and self.enable_cmd:
            self._speed_loop()
            return
        self.volts = 0.0
        self.circuit = self._passive_circuit()
        if self.circuit == BACKFEED:
            self._charge_bus()
        # bumpless: a later restart ramps from the belt's actual speed
        self.v_ref = max(self.v, 0.0)
        self.integral_v = 0.0

    def _passive_circuit(self) -> Circuit:
        """With the bridge not switching: what conducts, by the EMF."""
        if self._board_brakes():
            return BRAKE
        if self.wired:
            if self._backfeed_margin() > 0.0 or self._still_backfeeding():
                return BACKFEED
            if self._k * self.v + self._diode_v < 0.0:
                return FREEWHEEL
        return BRAKE if self.brake_on else OPEN

    def _still_backfeeding(self) -> bool:
        """Conducting into the bus, it goes on while current flows (its end is a crossing):
        re-deciding at a loop boundary from a bus equal to the EMF to rounding would not."""
        if self.circuit != BACKFEED:
            return False
        t = self._terms(BACKFEED)
        return drive.backfeed_bus_current(t, self._k, self.capacitance_f, self.accel) > 0.0

    def _charge_bus(self) -> None:
        """A diode starting to conduct with the bus below what the EMF holds (the relay just
        pulled in, or the brake just dropped off): the capacitor charges in about Ra·C, an
        impulse on the belt's time scale. Booked as one: the belt gives the charge's
        momentum k·ΔQ, the bus its energy, the diode V_d·ΔQ, the armature the rest."""
        t = self._terms(BACKFEED)
        k, c = self._k, self.capacitance_f
        target = drive.backfeed_bus_v(t, k, self._diode_v, self.v)
        if target <= self.bus_voltage_v:
            return
        charge = c * (target - self.bus_voltage_v)
        if self.p.dyno is None:
            v1 = self.v - k * charge / self.m_eq
            given_j = 0.5 * self.m_eq * (self.v * self.v - v1 * v1)
            self.v = v1
        else:  # the dynamometer holds the speed: it gives the charge's work, k·ΔQ·v
            given_j = k * charge * self.v
            self.w_dyno += given_j
        bus_j = self._energy(target) - self.bus_energy_j
        diode_j = self._diode_v * charge
        self.bus_energy_j, self.bus_voltage_v = self._energy(target), target
        self.w_backfed += bus_j
        self.w_diode += diode_j
        self.w_copper += given_j - bus_j - diode_j

    def _speed_loop(self) -> None:
        d = self.p.drive
        period = d.loop_period_s
        target = min(max(self.target_mps, 0.0), d.max_speed_mps)
        gap = target - self.v_ref
        self.v_ref += max(-d.ramp_decel_mps2 * period, min(d.ramp_accel_mps2 * period, gap))
        if self.induction:  # open-loop V/f: the synchronous speed is the ramped reference
            stopped = target == 0.0 and self.v_ref == 0.0  # ramped down: its output off
            self.circuit = OPEN if stopped else INVERTER
            self._set_torque_limit()
            return
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

    def _set_torque_limit(self, limited: bool | None = None) -> None:
        """The inverter holds its torque limit while the slip would ask for more (limited:
        decided by its crossing, at the limit itself)."""
        m = self.induction
        wanted = m.slip_n_per_mps * (self.v_ref - self.v)
        if limited is None:
            limited = abs(wanted) > m.force_limit_n
        self.torque_limit_n = math.copysign(m.force_limit_n, wanted) if limited else None

    # ----------------------------------------------------------------- hardware events
    def command(
        self, target_mps: float, target_incline_pct: float, enable: bool, brake: float = 0.0
    ) -> None:
        """What the controller asks for; only the drive's own loop acts on it. A disabled
        drive lets its relay drop (the armature off the bridge, or onto an nc brake)."""
        self.target_mps = target_mps
        self.target_incline_pct = min(max(target_incline_pct, 0.0), self.p.incline.max_pct)
        self.enable_cmd = enable
        self.brake_cmd = brake if self.two_quadrant else 0.0

    def release_clip(self) -> bool:
        """The clip leaves its switch; False if the switch is stuck shut (nothing cuts)."""
        self.clip_attached = False
        self.cut_pending = not self.clip_switch_stuck
        return self.cut_pending

    def watchdog_cut(self) -> None:
        """The board's watchdog: no command for too long, the drive is cut and latched, and
        the stale command forgotten (after a reset nothing moves until a new one comes)."""
        self._forget_commands()
        self.latched = True
        self._update_circuit()

    def brown_out(self) -> None:
        """The logic rail dips out (a mains sag) and stays down until `logic_back`: the
        board resets, the drive latched off."""
        self._logic_lost()
        self.rail_held_down = True
        self.latched = True
        self._update_circuit()

    def _logic_lost(self) -> None:
        """The board's rail is down: it forgets its commands; back up, it waits for new ones
        (its relay stays dropped until the controller enables the drive)."""
        self.logic_on = False
        self.logic_losses += 1
        self._forget_commands()

    def _forget_commands(self) -> None:
        self.target_mps = 0.0
        self.enable_cmd = False
        self.brake_cmd = 0.0

    def logic_back(self) -> None:
        self.rail_held_down = False
        if (self.mains_on and not self._logic_from_bus) or self.bus_voltage_v >= self.wake_v:
            self.logic_on = True
        self._update_circuit()

    def cut(self) -> None:
        """The contactor opens: motor and incline power cut in hardware, latched, and the
        board's command forgotten (after a reset nothing moves until a new one comes)."""
        self.contactor_open = True
        self.cut_pending = False
        self.latched = True
        self._forget_commands()
        self._update_circuit()

    def lose_power(self) -> None:
        self.mains_on = False
        self.latched = True
        if not self._logic_from_bus:
            self._logic_lost()
        self._update_circuit()

    def restore_power(self) -> None:
        self.mains_on = True
        if not self._logic_from_bus and not self.rail_held_down:
            self.logic_on = True

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
