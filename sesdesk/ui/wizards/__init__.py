"""Wizards: QWizards whose logic lives in Qt-free services; pages only collect and show."""

from sesdesk.ui.wizards.connect import ConnectWizard

__all__ = ["ConnectWizard"]
