"""Simulated bridge points on loopback addresses (127.0.0.0/8 only), with faults, for demo, tests and bench."""
