"""gisapp: infrastructure inventory and maintenance for small municipalities, on PostGIS."""

__version__ = "0.1.0"
