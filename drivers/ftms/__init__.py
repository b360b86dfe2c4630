"""Bluetooth Fitness Machine Service (FTMS, 0x1826) for treadmills: the codec for its
characteristics (`codec`), the Driver for a real treadmill over bleak (`client.FtmsDriver`),
and, for testing FTMS clients without Bluetooth, a strict virtual treadmill backed by any
Driver (`virtual`) with a bleak-shaped in-process link to it (`transport`)."""
