"""Asset types: the registry of what a municipality keeps (built-in and its own)."""
