"""People of a municipality: accounts and their role there."""
