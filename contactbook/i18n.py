"""The translation marker for messages defined outside a request (rules, services, module constants)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (Babel extracts it with `-k N_`).

    The caller translates it when it is shown, with `_()`; so pure rules stay free of Flask.
    """
    return message
