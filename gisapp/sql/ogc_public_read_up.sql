-- One read of the public, in one round trip (the OGC items pages of anonymous callers).
--
-- Why a function: GIS programs read a layer in bursts of pages, and the generic request path
-- costs five round trips around the one statement that answers (BEGIN, the context, the
-- statement, COMMIT, the pool's reset), which on a small server is more CPU than the answer
-- itself. This function finds the municipality by its slug, narrows the transaction to it,
-- becomes gisapp_public and runs the statement it was given, all in the caller's single
-- statement (whose implicit transaction the settings end with).
--
-- Whatever the statement says, it runs as gisapp_public in that one municipality: row-level
-- security and the public's column grants decide what it reads, as for every public request.
-- It is NOT security definer (it runs as the calling gisapp_app, then as gisapp_public).
--
-- The statement gets the municipality's id as $1 and p_args as $2 (a text array: the
-- statement casts each element to its type, e.g. ($2[3]::float8)). Statements run by EXECUTE
-- are planned for the values given every time, so a bbox query can never fall into a generic
-- plan that ignores the box (what plan_cache_mode guards against elsewhere).
--
-- No row for an unknown slug; otherwise the statement's rows, which the caller describes
-- with a column list: SELECT * FROM gisapp_public_read($1, $2, $3) AS r(known boolean, ...).
CREATE FUNCTION gisapp_public_read(p_slug text, p_statement text, p_args text[])
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
    v_id uuid;
BEGIN
    SELECT m.id INTO v_id FROM municipality m WHERE m.slug = p_slug;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('gisapp.municipality_id', v_id::text, true),
            set_config('gisapp.user_id', '', true),
            set_config('gisapp.actor', 'public', true),
            set_config('gisapp.superuser', 'off', true),
            set_config('role', 'gisapp_public', true);
    RETURN QUERY EXECUTE p_statement USING v_id, p_args;
END
$$;
REVOKE ALL ON FUNCTION gisapp_public_read(text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gisapp_public_read(text, text, text[]) TO gisapp_app;
