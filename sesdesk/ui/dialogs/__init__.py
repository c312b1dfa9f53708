"""Dialogs: small modal windows that confirm or collect one thing."""
