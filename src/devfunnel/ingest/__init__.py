"""Intake of developer signals: validate, normalise and durably append events."""
