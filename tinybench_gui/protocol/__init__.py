"""The EEMBC / MLPerf Tiny DUT serial protocol: bytes to typed messages, no I/O."""
