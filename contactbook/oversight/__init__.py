"""What an authority officer oversees of the schools below it (aggregates only), and the platform fee."""
