-- Imports are a municipality's like everything else; the app never deletes them (it drops
-- the stored file after the commit by setting it to NULL).
GRANT SELECT, INSERT, UPDATE ON import_job TO gisapp_app;
SELECT gisapp_isolate('import_job');
