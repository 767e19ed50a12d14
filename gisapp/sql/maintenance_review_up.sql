-- Reviews are a municipality's like everything else; like the records they review, the app
-- only adds them (no UPDATE, no DELETE).
GRANT SELECT, INSERT ON maintenance_review TO gisapp_app;
SELECT gisapp_isolate('maintenance_review');
