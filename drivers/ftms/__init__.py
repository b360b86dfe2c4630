"""Bluetooth Fitness Machine Service (FTMS, 0x1826): the codec for its treadmill
characteristics."""
