"""The hardware boundary: the Driver protocol, the simulator driver and Bluetooth FTMS.

The controllers issue fills this package; until then controllers run against the simulator
through sim.runner only.
"""
