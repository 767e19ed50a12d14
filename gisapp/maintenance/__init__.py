"""Maintenance records: what was done to an asset, and when it is next due."""
