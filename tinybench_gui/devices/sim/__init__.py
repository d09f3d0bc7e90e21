"""Simulated devices: test doubles at the wire, speaking the real bytes."""
