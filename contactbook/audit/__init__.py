"""The audit log: who did what, when, in which school, from which address."""
