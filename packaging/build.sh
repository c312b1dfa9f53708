#!/usr/bin/env bash
# Build the one-folder desktop bundle: dist/sesdesk/sesdesk (run it, or `sesdesk --help`).
#
#   bash packaging/build.sh            # sets up .venv (with PyInstaller) first, as dev.py does
#   SESDESK_DIST=/some/dir bash packaging/build.sh   # build somewhere else (work files beside it)
#
# The hicolor PNG icons are rendered from resources/sesdesk.svg into the build folder first and
# shipped in the bundle's resources/icons, where `sesdesk --install-desktop-entry` finds them.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/dev.py setup
dist="${SESDESK_DIST:-dist}"
work="${SESDESK_BUILD:-build}"
mkdir -p "$work"
rm -rf "$work/icons"
.venv/bin/python -c 'import sys; from pathlib import Path; from sesdesk.desktop_entry import render_icons; render_icons(Path("resources/sesdesk.svg"), Path(sys.argv[1]))' "$work/icons/hicolor"
SESDESK_BUNDLE_ICONS="$(cd "$work/icons" && pwd)" \
  .venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work/pyinstaller" packaging/sesdesk.spec
echo "built: $dist/sesdesk/sesdesk ($(du -sh "$dist/sesdesk" | cut -f1))"
