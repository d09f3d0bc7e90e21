"""The composition root: builds the bench (real or simulated) the runner and GUI use."""
