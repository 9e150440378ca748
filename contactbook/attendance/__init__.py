"""Attendance: marking a class, the families' alerts, running totals, leave requests' cover."""
