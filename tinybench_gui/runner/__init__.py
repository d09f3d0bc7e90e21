"""Run plans, the runner state machine, the benchmark modes and their result files."""
