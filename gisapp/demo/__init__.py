"""The demo municipality: a generated village, deterministic, in a real region."""
