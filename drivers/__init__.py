"""The hardware boundary: the Driver protocol, the simulator driver and Bluetooth FTMS.

The controllers issue fills this package: so far the FTMS codec (`drivers.ftms.codec`);
until the Driver protocol lands, controllers run against the simulator through sim.runner.
"""
