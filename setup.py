"""setuptools hook (the metadata is in pyproject.toml): ship resources/ inside the package.

The stylesheet, icon, launcher entry template and AppStream metainfo live in the top-level
resources/ folder (the source tree and the PyInstaller bundle read them there); a wheel carries
them as sesdesk/resources/, where an installed sesdesk looks for them.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = Path(__file__).resolve().parent / "resources"


class BuildPyWithResources(build_py):
    """build_py that also copies resources/ to <build>/sesdesk/resources/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree's resources/ directly
        target = Path(self.build_lib) / "sesdesk" / "resources"
        shutil.copytree(RESOURCES, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithResources})
