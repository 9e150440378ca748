"""The daily notes' units of work: saving a class's notes (`saving`) and sending them in the evening (`evening`)."""

from __future__ import annotations

from contactbook.daily_notes.services.evening import send_evening_notes
from contactbook.daily_notes.services.saving import NotesError, save_class_notes

__all__ = ["NotesError", "save_class_notes", "send_evening_notes"]
