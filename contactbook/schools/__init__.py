"""A school's own administration: staff accounts and the roles delegated to them."""
