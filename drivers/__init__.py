"""The hardware boundary: the Driver protocol (`drivers.base`), the one controller loop
(`drivers.runner.run_controller`), the simulator behind the protocol (`drivers.sim`), and
Bluetooth FTMS: codec, `FtmsDriver` over bleak, and a strict virtual FTMS treadmill backed
by the simulator (`drivers.ftms`)."""

from drivers.runner import arun_controller, run_controller

__all__ = ["arun_controller", "run_controller"]
