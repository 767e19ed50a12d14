"""Exports of a municipality's assets as GeoPackage, zipped Shapefile, GeoJSON or CSV, in a
chosen CRS, with the spatial filters of :mod:`gisapp.spatial`; written by pyogrio into a
temporary folder the server makes, streamed, and deleted."""
