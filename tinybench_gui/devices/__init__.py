"""Drivers for the bench's devices: DUT, interface board, energy monitors; no Qt."""
