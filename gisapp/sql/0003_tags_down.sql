DROP FUNCTION IF EXISTS gisapp_tag_lookup(text);
DROP TRIGGER IF EXISTS municipality_defaults ON municipality;
DROP FUNCTION IF EXISTS gisapp_municipality_defaults();
