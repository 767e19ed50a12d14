-- Photos and conflicts are a municipality's like everything else; the app never deletes them.
GRANT SELECT, INSERT ON photo TO gisapp_app;
GRANT SELECT, INSERT, UPDATE ON field_conflict TO gisapp_app;
SELECT gisapp_isolate('photo'), gisapp_isolate('field_conflict');
