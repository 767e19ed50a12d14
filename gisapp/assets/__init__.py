"""Assets: the inventory itself, its history and maintenance."""
