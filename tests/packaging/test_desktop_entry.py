"""The launcher entry: install and uninstall under a temporary XDG data folder."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sesdesk import desktop_entry
from sesdesk.desktop_entry import APP_ID, ICON_SIZES, Layout
from sesdesk.errors import EnvironmentProblem
from tests.packaging.processes import REPO, run_sesdesk


def _entry(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def _validate_desktop_file(path: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:  # scripts/dev.py installs it on Debian/Ubuntu
        return
    result = subprocess.run([validator, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower(), result.stdout


def _ours(data: Path) -> list[Path]:
    return sorted(p for p in data.rglob("*") if p.name.startswith(APP_ID))


def test_install_writes_a_valid_entry_icons_of_every_size_and_metainfo(tmp_path):
    from PySide6.QtGui import QImage

    data = tmp_path / "data"
    launcher = ["/opt/sesdesk/sesdesk"]
    outcome = desktop_entry.install(data, command=launcher)

    layout = Layout(data)
    assert sorted(outcome.written) == sorted(layout.files())
    entry = _entry(layout.desktop_file)
    main = entry["Desktop Entry"]
    assert main["Exec"] == "/opt/sesdesk/sesdesk"
    assert main["TryExec"] == "/opt/sesdesk/sesdesk"
    assert main["Icon"] == APP_ID
    assert main["Type"] == "Application"
    assert entry["Desktop Action demo"]["Exec"] == "/opt/sesdesk/sesdesk --demo"
    _validate_desktop_file(layout.desktop_file)

    for size in ICON_SIZES:
        image = QImage(str(layout.png_icon(size)))
        assert (image.width(), image.height()) == (size, size)
        # The icon's blue square, not a blank image.
        assert image.pixelColor(size // 2, size // 8).name() == "#2f6fde"
    assert layout.svg_icon.read_bytes() == (REPO / "resources" / "sesdesk.svg").read_bytes()
    assert ET.parse(layout.metainfo_file).getroot().findtext("id") == APP_ID


def test_uninstall_removes_every_file_install_wrote(tmp_path):
    data = tmp_path / "data"
    desktop_entry.install(data, command=["/usr/bin/sesdesk"])
    assert len(_ours(data)) == len(Layout(data).files())

    outcome = desktop_entry.uninstall(data)

    assert sorted(outcome.removed) == sorted(Layout(data).files())
    assert _ours(data) == []
    cache = data / "applications" / "mimeinfo.cache"
    if cache.exists():  # update-desktop-database was refreshed after the removal
        assert APP_ID not in cache.read_text(encoding="utf-8")
    assert desktop_entry.uninstall(data).removed == []


def test_prebuilt_icons_are_copied_not_rendered(tmp_path, monkeypatch):
    resources = tmp_path / "resources"
    shutil.copytree(REPO / "resources", resources, ignore=shutil.ignore_patterns("icons"))
    for size in ICON_SIZES:
        icon = resources / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        icon.parent.mkdir(parents=True)
        icon.write_bytes(f"prebuilt {size}".encode())
    monkeypatch.setattr(desktop_entry, "resources_dir", lambda: resources)

    def no_rendering(*_args: object, **_kwargs: object) -> list[Path]:
        raise AssertionError("rendered although the build shipped the icons")

    monkeypatch.setattr(desktop_entry, "render_icons", no_rendering)
    data = tmp_path / "data"
    desktop_entry.install(data, command=["/usr/bin/sesdesk"])

    for size in ICON_SIZES:
        assert Layout(data).png_icon(size).read_bytes() == f"prebuilt {size}".encode()


def test_exec_quotes_paths_as_the_desktop_entry_spec_says(tmp_path):
    assert desktop_entry.exec_quote("/usr/bin/sesdesk") == "/usr/bin/sesdesk"
    assert desktop_entry.exec_quote("/home/a b/sesdesk") == '"/home/a b/sesdesk"'
    assert desktop_entry.exec_quote("/opt/100%/sesdesk") == "/opt/100%%/sesdesk"
    assert desktop_entry.exec_quote('/x/"q"$`') == '"/x/\\\\"q\\\\"\\\\$\\\\`"'
    assert desktop_entry.exec_quote("/x/back\\slash") == '"/x/back\\\\\\\\slash"'

    data = tmp_path / "data"
    desktop_entry.install(data, command=["/home/a b/python 3", "-m", "sesdesk"])
    entry = _entry(Layout(data).desktop_file)
    assert entry["Desktop Entry"]["Exec"] == '"/home/a b/python 3" -m sesdesk'
    assert entry["Desktop Action demo"]["Exec"] == '"/home/a b/python 3" -m sesdesk --demo'
    _validate_desktop_file(Layout(data).desktop_file)


def test_an_unwritable_data_folder_is_an_environment_problem(tmp_path):
    data = tmp_path / "data"
    data.write_text("a file where the folder should be")
    with pytest.raises(EnvironmentProblem, match="could not write the desktop entry"):
        desktop_entry.install(data, command=["/usr/bin/sesdesk"])


def test_other_systems_are_told_desktop_entries_do_not_apply(monkeypatch, capsys):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert desktop_entry.main(desktop_entry.INSTALL_FLAG) == EnvironmentProblem.exit_code
    assert "Linux (freedesktop.org) feature" in capsys.readouterr().err


def test_metainfo_names_the_desktop_entry_and_validates():
    resources = REPO / "resources"
    root = ET.parse(resources / f"{APP_ID}.metainfo.xml").getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert (resources / f"{APP_ID}.desktop").is_file()
    validator = shutil.which("appstreamcli")
    if validator is None:  # scripts/dev.py installs it on Debian/Ubuntu
        return
    metainfo = resources / f"{APP_ID}.metainfo.xml"
    result = subprocess.run(
        [validator, "validate", "--no-net", "--pedantic", str(metainfo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _run_sesdesk(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return run_sesdesk(*args, env={"XDG_DATA_HOME": str(data)}, timeout=120)


def test_the_flags_install_and_remove_an_entry_that_runs_this_sesdesk(tmp_path):
    data = tmp_path / "data"
    installed = _run_sesdesk("--install-desktop-entry", data=data)
    assert installed.returncode == 0, installed.stderr
    assert "launcher entry installed" in installed.stdout
    exec_line = _entry(Layout(data).desktop_file)["Desktop Entry"]["Exec"]
    script = Path(sys.executable).parent / "sesdesk"
    assert exec_line == (str(script) if script.is_file() else f"{sys.executable} -m sesdesk")
    _validate_desktop_file(Layout(data).desktop_file)

    removed = _run_sesdesk("--uninstall-desktop-entry", data=data)
    assert removed.returncode == 0, removed.stderr
    assert "launcher entry removed (11 files)" in removed.stdout
    assert _ours(data) == []


def test_uninstalling_does_not_load_qt(tmp_path):
    code = (
        "import sys\n"
        "from sesdesk.entry import main\n"
        "code = main(['--uninstall-desktop-entry'])\n"
        "print('qt loaded' if 'PySide6' in sys.modules else 'no qt')\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "no qt"


def test_the_window_names_the_same_desktop_entry():
    from sesdesk.app import DESKTOP_FILE_NAME

    assert DESKTOP_FILE_NAME == APP_ID
