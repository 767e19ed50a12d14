"""API tokens: credentials for scripts, one municipality and one role each."""
