"""Notices from teachers and the school to families, and what each one costs before it is sent."""
