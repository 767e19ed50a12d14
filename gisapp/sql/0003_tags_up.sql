-- Label prefixes for existing and new municipalities: the slug, upper case, letters and
-- digits only, at most 8 (DEMO, NACHBARO); an admin may choose another before printing.
CREATE FUNCTION gisapp_municipality_defaults() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.label_prefix IS NULL THEN
        NEW.label_prefix := left(upper(regexp_replace(NEW.slug, '[^a-z0-9]', '', 'g')), 8);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER municipality_defaults BEFORE INSERT ON municipality
    FOR EACH ROW EXECUTE FUNCTION gisapp_municipality_defaults();
UPDATE municipality SET label_prefix = left(upper(regexp_replace(slug, '[^a-z0-9]', '', 'g')), 8);
ALTER TABLE municipality ALTER COLUMN label_prefix SET NOT NULL;
ALTER TABLE municipality ADD CONSTRAINT ck_municipality_label_prefix_format
    CHECK (label_prefix ~ '^[A-Z0-9]{1,8}$');
GRANT SELECT (label_prefix) ON municipality TO gisapp_public;

-- Tags belong to a municipality like everything else; the app may never delete them.
GRANT SELECT, INSERT, UPDATE ON tag TO gisapp_app;
GRANT SELECT, INSERT ON tag_event TO gisapp_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO gisapp_app;
SELECT gisapp_isolate('tag'), gisapp_isolate('tag_event');

-- /t/{token} names no municipality: find whose tag it is, before any tenant is set. Returns
-- what the scan page needs to go on in that municipality's transaction, nothing more.
CREATE FUNCTION gisapp_tag_lookup(p_token text)
RETURNS TABLE (municipality_id uuid, slug text, name text, tag_id uuid, short_code text,
               kind text, state text, asset_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT t.municipality_id, m.slug, m.name, t.id, t.short_code, t.kind, t.state, t.asset_id
     FROM tag t JOIN municipality m ON m.id = t.municipality_id
    WHERE t.token = p_token $$;
REVOKE ALL ON FUNCTION gisapp_tag_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gisapp_tag_lookup(text) TO gisapp_app;
