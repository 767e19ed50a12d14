-- Back to the per-row triggers of migrations 0001/0002, as they were.
DROP TRIGGER IF EXISTS asset_shape ON asset;
DROP FUNCTION IF EXISTS gisapp_asset_shape();
DROP TRIGGER IF EXISTS asset_history ON asset;
DROP TRIGGER IF EXISTS asset_history_update ON asset;
DROP FUNCTION IF EXISTS gisapp_asset_history_insert();
DROP FUNCTION IF EXISTS gisapp_asset_history_update();
DROP FUNCTION IF EXISTS gisapp_asset_history_json(asset);
ALTER TABLE asset_type DROP COLUMN IF EXISTS internal_keys;

CREATE FUNCTION gisapp_asset_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    skip constant text[] := ARRAY['version', 'updated_at', 'updated_by', 'created_at',
                                  'created_by', 'municipality_id', 'id', 'public_attributes'];
    old_j jsonb;
    new_j jsonb;
    before_j jsonb;
    after_j jsonb;
    act text;
BEGIN
    new_j := (to_jsonb(NEW) - skip) || jsonb_build_object('geom', ST_AsGeoJSON(NEW.geom, 9)::jsonb);
    IF TG_OP = 'INSERT' THEN
        act := 'create';
        after_j := new_j;
    ELSE
        old_j := (to_jsonb(OLD) - skip) || jsonb_build_object('geom', ST_AsGeoJSON(OLD.geom, 9)::jsonb);
        SELECT jsonb_object_agg(k, old_j -> k), jsonb_object_agg(k, new_j -> k)
          INTO before_j, after_j
          FROM (SELECT jsonb_object_keys(old_j) AS k UNION SELECT jsonb_object_keys(new_j)) keys
         WHERE (old_j -> k) IS DISTINCT FROM (new_j -> k);
        IF before_j IS NULL THEN
            RETURN NEW;
        END IF;
        act := CASE WHEN NEW.status = 'decommissioned' AND OLD.status <> 'decommissioned'
                    THEN 'decommission' ELSE 'update' END;
    END IF;
    INSERT INTO asset_history (municipality_id, asset_id, action, changed_by, version, before, after)
    VALUES (NEW.municipality_id, NEW.id, act,
            coalesce(nullif(current_setting('gisapp.actor', true), ''), NEW.updated_by, session_user),
            NEW.version, before_j, after_j);
    RETURN NEW;
END
$$;
CREATE TRIGGER asset_history AFTER INSERT OR UPDATE ON asset
    FOR EACH ROW EXECUTE FUNCTION gisapp_asset_history();

CREATE FUNCTION gisapp_asset_type_rules() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    t asset_type%ROWTYPE;
    kind text;
BEGIN
    SELECT * INTO t FROM asset_type
     WHERE municipality_id = NEW.municipality_id AND code = NEW.type_code;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports it
    END IF;
    IF NEW.is_public AND NOT t.public_allowed THEN
        RAISE EXCEPTION 'assets of type % can never be public', NEW.type_code
            USING ERRCODE = 'check_violation', CONSTRAINT = 'asset_public_allowed';
    END IF;
    kind := CASE ST_GeometryType(NEW.geom)
        WHEN 'ST_Point' THEN 'point' WHEN 'ST_MultiPoint' THEN 'point'
        WHEN 'ST_LineString' THEN 'line' WHEN 'ST_MultiLineString' THEN 'line'
        WHEN 'ST_Polygon' THEN 'polygon' WHEN 'ST_MultiPolygon' THEN 'polygon'
        ELSE 'other' END;
    IF kind <> t.geometry_kind THEN
        RAISE EXCEPTION 'type % takes % geometries, not %', NEW.type_code, t.geometry_kind, kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'asset_geometry_kind';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER asset_type_rules BEFORE INSERT OR UPDATE OF is_public, geom, type_code ON asset
    FOR EACH ROW EXECUTE FUNCTION gisapp_asset_type_rules();

CREATE FUNCTION gisapp_asset_public_attributes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.public_attributes := NEW.attributes - coalesce((
        SELECT gisapp_internal_keys(t.attribute_schema) FROM asset_type t
         WHERE t.municipality_id = NEW.municipality_id AND t.code = NEW.type_code), '{}');
    RETURN NEW;
END
$$;
CREATE TRIGGER asset_public_attributes BEFORE INSERT OR UPDATE OF attributes, type_code, public_attributes
    ON asset FOR EACH ROW EXECUTE FUNCTION gisapp_asset_public_attributes();
