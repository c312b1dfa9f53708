"""Launcher integration on Linux (XDG): the `.desktop` entry, hicolor icons and AppStream metainfo.

`sesdesk --install-desktop-entry` writes them into the user's data folder ($XDG_DATA_HOME or
~/.local/share), pointing at the program that ran the command (the bundle's executable, or the
`sesdesk` script beside the Python of a pip/pipx install); `--uninstall-desktop-entry` removes
exactly those files. The PNG icons come from `resources/icons/` when a build rendered them (the
bundle), else they are rendered from `resources/sesdesk.svg` with QtSvg on the spot. Qt is only
imported for that rendering.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sesdesk.errors import EnvironmentProblem

APP_ID = "io.github.sesdesk.sesdesk"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
INSTALL_FLAG = "--install-desktop-entry"
UNINSTALL_FLAG = "--uninstall-desktop-entry"
_CACHE_TOOL_TIMEOUT = 30


def resources_dir() -> Path:
    """The folder holding the icon, the desktop entry template and the metainfo (no Qt import)."""
    here = Path(__file__).resolve()
    candidates = [here.parents[1] / "resources", here.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller
    if bundle:
        candidates.insert(0, Path(bundle) / "resources")
    for candidate in candidates:
        if (candidate / f"{APP_ID}.desktop").is_file():
            return candidate
    raise EnvironmentProblem(
        "sesdesk's resources (desktop entry template, icon) are missing from this install.",
        hint="Reinstall sesdesk; the folders searched were: "
        + ", ".join(str(c) for c in candidates),
    )


def data_home() -> Path:
    """The user's data folder that launchers read ($XDG_DATA_HOME or ~/.local/share)."""
    from platformdirs import user_data_path

    return user_data_path(appname=None, appauthor=False)


@dataclass(frozen=True)
class Layout:
    """Where each file of the desktop integration goes under one data folder."""

    data: Path

    @property
    def desktop_file(self) -> Path:
        return self.data / "applications" / f"{APP_ID}.desktop"

    @property
    def metainfo_file(self) -> Path:
        return self.data / "metainfo" / f"{APP_ID}.metainfo.xml"

    @property
    def icon_theme(self) -> Path:
        return self.data / "icons" / "hicolor"

    def png_icon(self, size: int) -> Path:
        """The hicolor PNG of `size` pixels."""
        return self.icon_theme / f"{size}x{size}" / "apps" / f"{APP_ID}.png"

    @property
    def svg_icon(self) -> Path:
        return self.icon_theme / "scalable" / "apps" / f"{APP_ID}.svg"

    def files(self) -> list[Path]:
        """Every file an install writes."""
        return [
            self.desktop_file,
            self.metainfo_file,
            self.svg_icon,
            *(self.png_icon(size) for size in ICON_SIZES),
        ]


@dataclass
class Outcome:
    """What an install or uninstall did, for the user."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def launcher_command() -> list[str]:
    """The command a launcher should run to open this sesdesk."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: its own executable
        return [str(Path(sys.executable).resolve())]
    # A pip or pipx install puts the `sesdesk` script beside the interpreter it runs on.
    script = Path(sys.executable).parent / ("sesdesk.exe" if os.name == "nt" else "sesdesk")
    if script.is_file():
        return [str(script)]
    return [str(Path(sys.executable)), "-m", "sesdesk"]


_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def exec_quote(arg: str) -> str:
    """Quote one argument for a desktop entry's Exec key (Desktop Entry spec, "Exec key")."""
    arg = arg.replace("%", "%%")
    if not arg or any(char in _RESERVED for char in arg):
        escaped = "".join("\\" + char if char in '"`$\\' else char for char in arg)
        arg = f'"{escaped}"'
    # The value is itself a string value, whose own escape rule doubles each backslash.
    return arg.replace("\\", "\\\\")


def desktop_entry_text(template: str, command: list[str]) -> str:
    """The template with Exec (and TryExec) pointing at `command`."""
    executable = " ".join(exec_quote(arg) for arg in command)
    lines = []
    for line in template.splitlines():
        key, sep, value = line.partition("=")
        if sep and key == "Exec":
            value = executable + value.removeprefix("sesdesk")
            line = f"Exec={value}"
        elif sep and key == "TryExec":
            line = f"TryExec={command[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def render_icons(svg: Path, out_dir: Path, sizes: tuple[int, ...] = ICON_SIZES) -> list[Path]:
    """Render `svg` into out_dir/NxN/apps/APP_ID.png for each size (hicolor layout)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise EnvironmentProblem(f"the icon {svg} is not a valid SVG file.")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out_dir / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target)):  # PNG, from the suffix
            raise EnvironmentProblem(f"could not write the icon {target}.")
        written.append(target)
    return written


def _install_icons(resources: Path, layout: Layout) -> list[Path]:
    import shutil

    rendered = resources / "icons" / "hicolor"
    prebuilt = [rendered / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in ICON_SIZES]
    if all(path.is_file() for path in prebuilt):
        for size, source in zip(ICON_SIZES, prebuilt, strict=True):
            layout.png_icon(size).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, layout.png_icon(size))
        written = [layout.png_icon(size) for size in ICON_SIZES]
    else:
        written = render_icons(resources / "sesdesk.svg", layout.icon_theme)
    layout.svg_icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(resources / "sesdesk.svg", layout.svg_icon)
    return [*written, layout.svg_icon]


def _refresh_caches(layout: Layout, outcome: Outcome) -> None:
    """Tell the desktop about the change with the cache tools the system has (none needed)."""
    import shutil
    import subprocess

    commands = [
        ["update-desktop-database", "-q", str(layout.desktop_file.parent)],
        ["gtk-update-icon-cache", "-q", "-f", "-t", str(layout.icon_theme)],
    ]
    for command in commands:
        if shutil.which(command[0]) is None or not Path(command[-1]).is_dir():
            continue
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=_CACHE_TOOL_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            outcome.notes.append(f"{command[0]} did not run: {exc}")
            continue
        if result.returncode != 0:
            outcome.notes.append(f"{command[0]} failed: {result.stderr.strip()[:200]}")


def _require_xdg() -> None:
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return
    raise EnvironmentProblem(
        "desktop entries are a Linux (freedesktop.org) feature; this system does not use them.",
        hint="On macOS drag the app to Applications; on Windows pin sesdesk.exe to the Start menu.",
    )


def install(data: Path | None = None, command: list[str] | None = None) -> Outcome:
    """Write the desktop entry, icons and metainfo under `data` (default: the user's)."""
    import shutil

    _require_xdg()
    layout = Layout(data or data_home())
    resources = resources_dir()
    outcome = Outcome()
    try:
        template = (resources / f"{APP_ID}.desktop").read_text(encoding="utf-8")
        outcome.written += _install_icons(resources, layout)
        layout.metainfo_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(resources / f"{APP_ID}.metainfo.xml", layout.metainfo_file)
        outcome.written.append(layout.metainfo_file)
        # The entry last: a launcher that sees it finds its icon already there.
        layout.desktop_file.parent.mkdir(parents=True, exist_ok=True)
        text = desktop_entry_text(template, command or launcher_command())
        temporary = layout.desktop_file.with_suffix(".desktop.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, layout.desktop_file)
        outcome.written.append(layout.desktop_file)
    except OSError as exc:
        raise EnvironmentProblem(
            f"could not write the desktop entry under {layout.data}: "
            f"{exc.strerror or type(exc).__name__}.",
            hint="Check that the folder is writable, or set XDG_DATA_HOME to one that is.",
        ) from None
    _refresh_caches(layout, outcome)
    return outcome


def uninstall(data: Path | None = None) -> Outcome:
    """Remove every file `install` writes under `data` (default: the user's)."""
    _require_xdg()
    layout = Layout(data or data_home())
    outcome = Outcome()
    for path in layout.files():
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise EnvironmentProblem(
                f"could not remove {path}: {exc.strerror or type(exc).__name__}."
            ) from None
        outcome.removed.append(path)
    _refresh_caches(layout, outcome)
    return outcome


def main(flag: str) -> int:
    """Run `sesdesk --install-desktop-entry` or `--uninstall-desktop-entry`; the exit code."""
    try:
        if flag == INSTALL_FLAG:
            outcome = install()
            print(f"sesdesk: launcher entry installed ({len(outcome.written)} files):")
            for path in outcome.written:
                print(f"  {path}")
        else:
            outcome = uninstall()
            if outcome.removed:
                print(f"sesdesk: launcher entry removed ({len(outcome.removed)} files).")
            else:
                print("sesdesk: no launcher entry was installed; nothing to remove.")
    except EnvironmentProblem as exc:
        print(f"sesdesk: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return exc.exit_code
    for note in outcome.notes:
        print(f"sesdesk: note: {note}", file=sys.stderr)
    return 0
