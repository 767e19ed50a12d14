-- The card a scanned label opens, in one round trip (GET /api/v1/scan/{token}).
--
-- Why a function: the scan is what crews do most, 32 of them at once must get an answer
-- within 50 ms, and every round trip costs CPU on a small server. This function does what
-- the generic request path does in five statements: find the label and the caller, narrow
-- the transaction to the label's municipality, switch to the staff or the public database
-- role, and build the card. It is NOT security definer: it runs as gisapp_app and then as
-- gisapp_public or gisapp_app with the municipality set, so row-level security and column
-- grants decide what it reads, exactly as for every other request. The caller and the label
-- are found with the same narrow security-definer look-ups as everywhere.
--
-- The asset's fields and due date are those of the asset API (gisapp/assets/queries.py);
-- tests/test_tags.py compares the card with GET /assets/{id} for staff and for the public.
--
-- Returns no row for an unknown label; outcome 'bad_token' for an unknown API token (401,
-- before anything about the label is told); else 'ok', the caller's role there (NULL: the
-- public), the label's state and the card as JSON text (without what the app adds: limits and permissions).
CREATE FUNCTION gisapp_scan_card(p_token text, p_session bytea, p_api_token bytea)
RETURNS TABLE (outcome text, role text, state text, card text)
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
    t record;
    v_role text;
    v_actor text := 'public';
    v_super boolean := false;
    v_user uuid;
    v_asset jsonb;
    v_parent jsonb;
    v_children jsonb := '[]';
    v_maintenance jsonb := '[]';
    v_types jsonb;
    v_head jsonb;
BEGIN
    IF p_api_token IS NOT NULL THEN
        SELECT k.municipality_id, k.role, k.name INTO v_user, v_role, v_actor
          FROM gisapp_token_lookup(p_api_token) k;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'bad_token'::text, NULL::text, NULL::text, NULL::text;
            RETURN;
        END IF;
        v_actor := 'token:' || v_actor;
    END IF;
    SELECT * INTO t FROM gisapp_tag_lookup(p_token);
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_api_token IS NOT NULL THEN
        -- v_user held the token's municipality: a role there only
        IF v_user IS DISTINCT FROM t.municipality_id THEN
            v_role := NULL;
        END IF;
        v_user := NULL;
    ELSIF p_session IS NOT NULL THEN
        SELECT s.user_id, 'user:' || s.username, s.is_superuser INTO v_user, v_actor, v_super
          FROM gisapp_session_lookup(p_session) s;
        IF FOUND THEN
            PERFORM set_config('gisapp.user_id', v_user::text, true);
            SELECT m.role INTO v_role FROM membership m
             WHERE m.municipality_id = t.municipality_id AND m.user_id = v_user;
        ELSE
            v_actor := 'public';  -- a stale cookie: the public, like every other request
            v_super := false;
        END IF;
    END IF;
    PERFORM set_config('gisapp.municipality_id', t.municipality_id::text, true),
            set_config('gisapp.actor', v_actor, true),
            set_config('gisapp.superuser', CASE WHEN v_super THEN 'on' ELSE 'off' END, true),
            set_config('role', CASE WHEN v_role IS NULL THEN 'gisapp_public'
                                    ELSE 'gisapp_app' END, true);

    v_head := jsonb_build_object(
        'municipality', jsonb_build_object('slug', t.slug, 'name', t.name),
        'tag', jsonb_build_object('short_code', t.short_code, 'kind', t.kind, 'state', t.state)
               || CASE WHEN v_role IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('id', t.tag_id) END,
        'role', v_role);

    IF t.state = 'unassigned' AND v_role IS NOT NULL THEN
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'code', ty.code, 'label_de', ty.label_de, 'label_en', ty.label_en,
                   'label_fr', ty.label_fr,
                   'required', coalesce(ty.attribute_schema -> 'required', '[]'),
                   'properties', coalesce(ty.attribute_schema -> 'properties', '{}'))
                   ORDER BY ty.builtin DESC, ty.code), '[]')
          INTO v_types
          FROM asset_type ty
         WHERE ty.municipality_id = t.municipality_id AND ty.geometry_kind = 'point';
        v_head := v_head || jsonb_build_object('types', v_types);
    END IF;

    IF t.state = 'active' OR t.state = 'replaced' THEN
        IF v_role IS NOT NULL THEN
            SELECT to_jsonb(x) INTO v_asset FROM (
                SELECT a.id, a.code, a.type_code AS type, a.name, a.status,
                       ST_AsGeoJSON(a.geom, 9, 0)::jsonb AS geometry, 'EPSG:4326' AS crs,
                       a.attributes, a.installed_on, a.manufacturer, a.model,
                       a.is_public AS public, a.parent_id, a.maintenance_interval_days,
                       a.external_id, a.version, last.at AS last_maintenance_at,
                       due.next_due, coalesce(due.next_due < current_date, false) AS overdue,
                       a.created_at, a.created_by, a.updated_at, a.updated_by
                  FROM asset a
                  JOIN asset_type ty ON ty.municipality_id = a.municipality_id
                                    AND ty.code = a.type_code
                  CROSS JOIN LATERAL (
                      SELECT max(r.performed_at) AS at FROM maintenance_record r
                       WHERE r.municipality_id = a.municipality_id AND r.asset_id = a.id
                         AND r.result IN ('ok', 'fixed', 'defect_found')) last
                  CROSS JOIN LATERAL (
                      SELECT CASE
                          WHEN coalesce(a.maintenance_interval_days,
                                        ty.maintenance_interval_days) IS NULL
                            OR a.status IN ('planned', 'decommissioned') THEN NULL
                          ELSE coalesce(last.at::date, a.installed_on, a.created_at::date)
                               + coalesce(a.maintenance_interval_days,
                                          ty.maintenance_interval_days)
                          END AS next_due) due
                 WHERE a.municipality_id = t.municipality_id AND a.id = t.asset_id) x;
            IF v_asset IS NOT NULL THEN
                SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'kind', m.kind, 'result', m.result, 'performed_at', m.performed_at,
                           'performed_by', m.performed_by, 'notes', m.notes,
                           'reading_value', m.reading_value) ORDER BY m.performed_at DESC), '[]')
                  INTO v_maintenance
                  FROM (SELECT * FROM maintenance_record r
                         WHERE r.municipality_id = t.municipality_id AND r.asset_id = t.asset_id
                         ORDER BY r.performed_at DESC LIMIT 5) m;
            END IF;
        ELSE
            -- the public: only columns the public role may read, a parent only when public
            SELECT to_jsonb(x) INTO v_asset FROM (
                SELECT a.id, a.code, a.type_code AS type, a.name, a.status,
                       ST_AsGeoJSON(a.geom, 9, 0)::jsonb AS geometry, 'EPSG:4326' AS crs,
                       a.public_attributes AS attributes, a.installed_on, a.manufacturer,
                       a.model,
                       (SELECT p.id FROM asset p WHERE p.municipality_id = a.municipality_id
                           AND p.id = a.parent_id) AS parent_id,
                       a.updated_at
                  FROM asset a
                 WHERE a.municipality_id = t.municipality_id AND a.id = t.asset_id) x;
        END IF;
        IF v_asset IS NOT NULL THEN
            SELECT jsonb_build_object('id', p.id, 'code', p.code, 'type', p.type_code,
                                      'name', p.name, 'status', p.status)
              INTO v_parent
              FROM asset p
             WHERE p.municipality_id = t.municipality_id
               AND p.id = (v_asset ->> 'parent_id')::uuid;
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'id', c.id, 'code', c.code, 'type', c.type_code, 'name', c.name,
                       'status', c.status) ORDER BY c.code), '[]')
              INTO v_children
              FROM asset c
             WHERE c.municipality_id = t.municipality_id AND c.parent_id = t.asset_id
               AND c.status <> 'decommissioned';
        END IF;
    END IF;

    RETURN QUERY SELECT 'ok'::text, v_role, t.state,
        (v_head || jsonb_build_object('asset', v_asset, 'parent', v_parent,
                                      'children', v_children,
                                      'maintenance', v_maintenance))::text;
END
$$;
REVOKE ALL ON FUNCTION gisapp_scan_card(text, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gisapp_scan_card(text, bytea, bytea) TO gisapp_app;
