"""Widgets that forward the user's intent to the session."""
