"""Attendance's writes: marking a class with its families' alerts (`marking`), the school's settings (`settings`)."""
