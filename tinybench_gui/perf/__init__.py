"""``tinybench perf``: speed figures measured as ratios against a baseline in the same run.

Each figure module registers a function returning rows. Targets live here, never
in timed tests.
"""
