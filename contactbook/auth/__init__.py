"""Logging in and out, sessions, passwords, and who may open which page."""
