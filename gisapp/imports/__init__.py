"""Imports: survey files, utility exports, OpenStreetMap, the charging register, Freifunk.

A file goes through the same steps whichever way it comes (API, planner page, CLI):

1. ``uploads``: saved under a server-made name in a private temp folder, its format told
   by its content, zips checked before anything is unpacked;
2. ``readers``/``tables``: read into a :class:`~gisapp.imports.source.SourceTable` (GDAL via
   pyogrio for GeoJSON, GeoPackage, Shapefile and OSM, with the driver checked; plain Python
   for CSV and JSON);
3. ``mapping``/``presets``: source columns become asset fields and attributes;
4. ``checks``: every row checked (geometry, boundary, attribute schema, duplicates) – the
   dry run;
5. ``writer``: one transaction, COPY into a staging table, then insert or update assets by
   their external id.
"""
