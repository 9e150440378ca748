"""Attendance's services: the only attendance code that writes, each call one unit of work and one commit."""
