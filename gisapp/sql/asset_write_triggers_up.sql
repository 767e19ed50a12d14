-- The asset's triggers, made cheap per row so that a million-row import is not mostly
-- trigger overhead (issue 5, item 8). Still enforced by the database for every path (API,
-- CLI, import, psql), with nothing that depends on a setting the app role could change.
--
-- 1. History: one INSERT … SELECT per statement over its transition tables, instead of
--    one trigger call (and one INSERT) per row. It writes what the per-row trigger of
--    migrations 0001/0002 wrote, row for row: the same actions, the same before/after
--    (only the keys that changed), the same actor, no entry when only bookkeeping changed.
-- 2. One BEFORE trigger instead of two (type rules and public attributes), with one look-up
--    of the type per row; the type's internal keys are a stored generated column of
--    asset_type instead of being worked out of its JSON Schema for every row.

-- Top-level attribute names the type marks "x-internal" (kept by PostgreSQL itself).
ALTER TABLE asset_type
    ADD COLUMN internal_keys text[] GENERATED ALWAYS AS (gisapp_internal_keys(attribute_schema)) STORED;

-- An asset as its history shows it: the row without bookkeeping and derived columns, the
-- geometry as GeoJSON with 9 decimals. The columns left out are set to NULL before
-- to_jsonb (and removed after): to_jsonb would otherwise format them for nothing, and its
-- own conversion of a geometry (PostGIS's cast to jsonb, which looks up the CRS) costs
-- more than all other columns together.
CREATE FUNCTION gisapp_asset_history_json(a asset) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (to_jsonb(jsonb_populate_record(a, '{"geom": null, "version": null,
                "updated_at": null, "updated_by": null, "created_at": null,
                "created_by": null, "municipality_id": null, "id": null,
                "public_attributes": null}'))
            - ARRAY['version', 'updated_at', 'updated_by', 'created_at', 'created_by',
                    'municipality_id', 'id', 'public_attributes'])
           || jsonb_build_object('geom', ST_AsGeoJSON(a.geom, 9)::jsonb)
$$;

CREATE FUNCTION gisapp_asset_history_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO asset_history (municipality_id, asset_id, action, changed_by, version, before, after)
    SELECT n.municipality_id, n.id, 'create',
           coalesce(nullif(current_setting('gisapp.actor', true), ''), n.updated_by, session_user),
           n.version, NULL, gisapp_asset_history_json(n)
      FROM new_assets n;
    RETURN NULL;
END
$$;

-- Old and new rows are paired by key (an asset's id never changes: its history refers to
-- it). Both JSON objects come from the same row type, so they have the same keys; the
-- entry holds, before and after, only the keys whose values differ, and there is none when
-- nothing but bookkeeping (version, updated_at, public_attributes …) changed.
CREATE FUNCTION gisapp_asset_history_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- MATERIALIZED: each row's JSON is made once, not again for every key compared
    WITH pairs AS MATERIALIZED (
        SELECT n.municipality_id, n.id, n.version, n.updated_by,
               n.status = 'decommissioned' AND o.status <> 'decommissioned' AS decommissioned,
               gisapp_asset_history_json(o) AS old_j, gisapp_asset_history_json(n) AS new_j
          FROM old_assets o
          JOIN new_assets n ON n.municipality_id = o.municipality_id AND n.id = o.id)
    INSERT INTO asset_history (municipality_id, asset_id, action, changed_by, version, before, after)
    SELECT p.municipality_id, p.id, CASE WHEN p.decommissioned THEN 'decommission' ELSE 'update' END,
           coalesce(nullif(current_setting('gisapp.actor', true), ''), p.updated_by, session_user),
           p.version, d.before, d.after
      FROM pairs p
     CROSS JOIN LATERAL (SELECT jsonb_object_agg(k, p.old_j -> k) AS before,
                                jsonb_object_agg(k, p.new_j -> k) AS after
                           FROM jsonb_object_keys(p.new_j) k
                          WHERE (p.old_j -> k) IS DISTINCT FROM (p.new_j -> k)) d
     WHERE d.before IS NOT NULL;
    RETURN NULL;
END
$$;

DROP TRIGGER asset_history ON asset;
DROP FUNCTION gisapp_asset_history();
-- Transition tables take one event per trigger. The insert trigger keeps the former
-- trigger's name, so a bulk load that disables "asset_history" for its COPY and writes the
-- entries itself (bench/ogc_data.py) still works.
CREATE TRIGGER asset_history AFTER INSERT ON asset
    REFERENCING NEW TABLE AS new_assets
    FOR EACH STATEMENT EXECUTE FUNCTION gisapp_asset_history_insert();
CREATE TRIGGER asset_history_update AFTER UPDATE ON asset
    REFERENCING OLD TABLE AS old_assets NEW TABLE AS new_assets
    FOR EACH STATEMENT EXECUTE FUNCTION gisapp_asset_history_update();

-- What a row must agree on with its type, and what follows from it, in one look-up: a type
-- that may not be public (meters) never has a public asset; the geometry has the type's
-- kind; public_attributes are the attributes without the type's internal keys. Fires when
-- any column either of the two former triggers watched is set.
CREATE FUNCTION gisapp_asset_shape() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    allowed boolean;
    wanted text;
    internal text[];
    kind text;
BEGIN
    SELECT t.public_allowed, t.geometry_kind, t.internal_keys INTO allowed, wanted, internal
      FROM asset_type t
     WHERE t.municipality_id = NEW.municipality_id AND t.code = NEW.type_code;
    IF NOT FOUND THEN
        NEW.public_attributes := NEW.attributes;
        RETURN NEW;  -- the foreign key reports it
    END IF;
    IF NEW.is_public AND NOT allowed THEN
        RAISE EXCEPTION 'assets of type % can never be public', NEW.type_code
            USING ERRCODE = 'check_violation', CONSTRAINT = 'asset_public_allowed';
    END IF;
    kind := CASE ST_GeometryType(NEW.geom)
        WHEN 'ST_Point' THEN 'point' WHEN 'ST_MultiPoint' THEN 'point'
        WHEN 'ST_LineString' THEN 'line' WHEN 'ST_MultiLineString' THEN 'line'
        WHEN 'ST_Polygon' THEN 'polygon' WHEN 'ST_MultiPolygon' THEN 'polygon'
        ELSE 'other' END;
    IF kind <> wanted THEN
        RAISE EXCEPTION 'type % takes % geometries, not %', NEW.type_code, wanted, kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'asset_geometry_kind';
    END IF;
    NEW.public_attributes := NEW.attributes - internal;
    RETURN NEW;
END
$$;

DROP TRIGGER asset_type_rules ON asset;
DROP TRIGGER asset_public_attributes ON asset;
DROP FUNCTION gisapp_asset_type_rules();
DROP FUNCTION gisapp_asset_public_attributes();
CREATE TRIGGER asset_shape
    BEFORE INSERT OR UPDATE OF is_public, geom, type_code, attributes, public_attributes ON asset
    FOR EACH ROW EXECUTE FUNCTION gisapp_asset_shape();
