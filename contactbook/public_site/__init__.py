"""The school's public page at its domain root: who it is, how to reach it, its public announcements, the
voluntary paid service's plans, and the ways in for families (the portal) and staff (the login)."""
