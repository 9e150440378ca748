"""An authority's registration campaigns: invitations, the schools' public registration form, the officer's review."""
