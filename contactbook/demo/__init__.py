"""Demo data for one-machine use: an authority, two schools and staff with every role."""
