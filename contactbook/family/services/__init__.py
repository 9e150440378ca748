"""The families' portal's units of work: the only code of the portal that commits."""
