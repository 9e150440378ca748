"""The families' portal at `/family/`: sign in by phone or email, see your children, run your subscription."""

from contactbook.family.routes import bp

__all__ = ["bp"]
