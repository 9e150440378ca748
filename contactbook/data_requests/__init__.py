"""Families' data rights: a copy of their data, or its erasure, asked in the portal and answered by the school."""
