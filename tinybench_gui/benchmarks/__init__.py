"""The MLPerf Tiny benchmarks: catalog, datasets and official scoring."""
