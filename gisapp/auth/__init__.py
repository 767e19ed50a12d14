"""Who is asking: passwords, sessions, API tokens, throttling, permissions."""
