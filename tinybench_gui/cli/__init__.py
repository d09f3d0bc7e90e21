"""The ``tinybench`` command: the Qt-free core, headless, for scripting and CI."""
