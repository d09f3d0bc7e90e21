#!/usr/bin/env bash
# Add tinybench to the desktop's application menu for this user (no root needed):
# run it from the unpacked bundle folder. Undo with --uninstall.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor
if [ "${1:-}" = --uninstall ]; then
  rm -f "$apps/tinybench.desktop" "$icons/256x256/apps/tinybench.png" "$icons/scalable/apps/tinybench.svg"
  echo "removed tinybench from the application menu"
  exit 0
fi
mkdir -p "$apps" "$icons/256x256/apps" "$icons/scalable/apps"
cp "$here/tinybench.png" "$icons/256x256/apps/tinybench.png"
cp "$here/tinybench.svg" "$icons/scalable/apps/tinybench.svg"
# The menu entry runs this bundle's program by its absolute path.
sed -e "s|^Exec=tinybench-gui|Exec=\"$here/tinybench-gui\"|" \
    -e "s|^TryExec=tinybench-gui|TryExec=$here/tinybench-gui|" \
    "$here/tinybench.desktop" > "$apps/tinybench.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
echo "installed $apps/tinybench.desktop"
