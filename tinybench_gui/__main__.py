"""``python -m tinybench_gui`` is the ``tinybench`` command."""

from tinybench_gui.cli.main import main

raise SystemExit(main())
