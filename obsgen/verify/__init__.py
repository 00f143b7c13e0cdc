"""Checks of the output with the real tools (promtool, later amtool and collector validators)."""
