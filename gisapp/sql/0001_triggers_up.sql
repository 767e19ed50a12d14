-- Change history, written by the database so that no path (API, CLI, import, psql) skips it.
-- Who acted comes from the transaction setting gisapp.actor (see gisapp/database.py).
CREATE FUNCTION gisapp_asset_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    skip constant text[] := ARRAY['version', 'updated_at', 'updated_by', 'created_at',
                                  'created_by', 'municipality_id', 'id'];
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
            RETURN NEW;  -- nothing but bookkeeping changed
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

-- Rules that compare an asset with its type: a type that may not be public (meters) never
-- has a public asset, and the geometry has the kind the type declares.
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

-- A type that stops allowing public assets takes its assets off the public outputs with it.
CREATE FUNCTION gisapp_type_unpublish() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.public_allowed AND OLD.public_allowed THEN
        UPDATE asset SET is_public = false
         WHERE municipality_id = NEW.municipality_id AND type_code = NEW.code AND is_public;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER asset_type_unpublish AFTER UPDATE OF public_allowed ON asset_type
    FOR EACH ROW EXECUTE FUNCTION gisapp_type_unpublish();
