#!/usr/bin/env bash
# Build the one-folder Linux bundle: packaging/dist/tinybench/{tinybench,tinybench-gui}.
#   packaging/build.sh            build (reuses packaging/build/ as a cache)
#   packaging/build.sh --clean    build from scratch
#   packaging/build.sh --archive  also write packaging/dist/tinybench-<version>-linux-<arch>.tar.gz
# Uses the Python on PATH (or $PYTHON); it needs tinybench's dependencies and pyinstaller>=6.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
clean=() archive=0
for arg in "$@"; do
  case "$arg" in
    --clean) clean=(--clean) ;;
    --archive) archive=1 ;;
    *) echo "usage: packaging/build.sh [--clean] [--archive]" >&2; exit 2 ;;
  esac
done

"$python" -m PyInstaller --noconfirm --log-level WARN "${clean[@]}" \
  --distpath packaging/dist --workpath packaging/build packaging/tinybench.spec

bundle=packaging/dist/tinybench
# What a desktop needs beside the programs: the launcher entry, its icon, and an installer.
cp resources/tinybench.desktop resources/icons/tinybench.png resources/icons/tinybench.svg "$bundle/"
cp packaging/install-desktop.sh "$bundle/"

echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1))"
if ((archive)); then
  version=$("$python" -c 'import tinybench_gui; print(tinybench_gui.__version__)')
  tarball="packaging/dist/tinybench-$version-linux-$(uname -m).tar.gz"
  tar -C packaging/dist -czf "$tarball" tinybench
  echo "archive: $tarball ($(du -h "$tarball" | cut -f1))"
fi
