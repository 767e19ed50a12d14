-- Back to migration 0009's functions and the direct foreign keys to municipality.
ALTER TABLE asset ADD CONSTRAINT fk_asset_municipality_id FOREIGN KEY (municipality_id)
    REFERENCES municipality (id) ON DELETE RESTRICT;
ALTER TABLE asset_history ADD CONSTRAINT fk_asset_history_municipality_id
    FOREIGN KEY (municipality_id) REFERENCES municipality (id) ON DELETE RESTRICT;

CREATE OR REPLACE FUNCTION gisapp_asset_history_json(a asset) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (to_jsonb(jsonb_populate_record(a, '{"geom": null, "version": null,
                "updated_at": null, "updated_by": null, "created_at": null,
                "created_by": null, "municipality_id": null, "id": null,
                "public_attributes": null}'))
            - ARRAY['version', 'updated_at', 'updated_by', 'created_at', 'created_by',
                    'municipality_id', 'id', 'public_attributes'])
           || jsonb_build_object('geom', ST_AsGeoJSON(a.geom, 9)::jsonb)
$$;

CREATE OR REPLACE FUNCTION gisapp_asset_shape() RETURNS trigger
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
