"""Energy monitor drivers: LPM01A, PPK2, Joulescope; one reader thread per instrument."""
