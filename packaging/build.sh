#!/usr/bin/env bash
# Build a one-folder desktop bundle in dist/sesdesk with PyInstaller.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/dev.py setup
.venv/bin/python -m pip install -q "pyinstaller==6.22.3"
.venv/bin/pyinstaller --noconfirm --clean packaging/sesdesk.spec
echo "built: dist/sesdesk/sesdesk"
