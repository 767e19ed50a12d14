-- Photos and conflicts are a municipality's like everything else; the app never deletes them.
GRANT SELECT, INSERT ON photo TO gisapp_app;
GRANT SELECT, INSERT, UPDATE ON field_conflict TO gisapp_app;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['photo', 'field_conflict'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (municipality_id = gisapp_municipality())'
                       ' WITH CHECK (municipality_id = gisapp_municipality())', t);
    END LOOP;
END
$$;
