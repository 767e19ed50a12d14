"""The asset's triggers (migration 0009): the history written once per statement holds row
for row what the former per-row trigger wrote; the one BEFORE trigger still enforces the
type rules and derives public_attributes on every path (here: plain SQL as gisapp_app)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

# The per-row history trigger of migrations 0001/0002, word for word, but writing into a
# temporary table: the reference the statement-level trigger is compared with.
REFERENCE = """
CREATE FUNCTION pg_temp.reference_history() RETURNS trigger
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
    INSERT INTO reference_history (asset_id, action, changed_by, version, before, after)
    VALUES (NEW.id, act,
            coalesce(nullif(current_setting('gisapp.actor', true), ''), NEW.updated_by, session_user),
            NEW.version, before_j, after_j);
    RETURN NEW;
END
$$"""

COLUMNS = "asset_id, action, changed_by, version, before, after"
POINT = "ST_SetSRID(ST_MakePoint({}, {}), 4326)"


@pytest.fixture
async def as_app(connection):
    """Statements as gisapp_app in the demo, with the reference trigger beside the real one.
    Returns ``run(sql, actor=…, **params)``; ``:mid`` is the demo's id."""
    mid = await connection.scalar(text("SELECT id FROM municipality WHERE slug = 'demo'"))
    await connection.execute(text(
        "CREATE TEMP TABLE reference_history (id bigserial, asset_id uuid, action text,"
        " changed_by text, version integer, before jsonb, after jsonb) ON COMMIT DROP"))
    await connection.execute(text("GRANT INSERT, SELECT ON reference_history TO gisapp_app"))
    await connection.execute(text("GRANT USAGE ON SEQUENCE reference_history_id_seq TO gisapp_app"))
    await connection.execute(text(REFERENCE))
    await connection.execute(text(
        "CREATE TRIGGER zz_reference_history AFTER INSERT OR UPDATE ON asset"
        " FOR EACH ROW EXECUTE FUNCTION pg_temp.reference_history()"))
    start = await connection.scalar(text("SELECT coalesce(max(id), 0) FROM asset_history"))

    async def run(sql: str, actor: str = "user:test", **params):
        await connection.execute(text(
            "SELECT set_config('role', 'gisapp_app', true), set_config('gisapp.actor', :a, true),"
            " set_config('gisapp.municipality_id', :m, true)"), {"a": actor, "m": str(mid)})
        result = await connection.execute(text(sql), {"mid": mid, **params})
        await connection.execute(text("RESET ROLE"))
        return result

    async def written() -> tuple[list, list]:
        """(history rows since the fixture started, reference rows), in writing order."""
        real = (await connection.execute(text(
            f"SELECT {COLUMNS} FROM asset_history WHERE id > :s ORDER BY id"), {"s": start})).all()
        ref = (await connection.execute(text(
            f"SELECT {COLUMNS} FROM reference_history ORDER BY id"))).all()
        return [tuple(r) for r in real], [tuple(r) for r in ref]

    run.mid, run.written = mid, written
    return run


def _by_asset(rows: list) -> dict:
    out: dict = {}
    for row in rows:
        out.setdefault(row[0], []).append(row[1:])
    return out


async def _insert_three(as_app) -> dict[str, str]:
    rows = await as_app(
        "INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes, is_public,"
        " installed_on, external_id, created_by, updated_by) VALUES"
        f" (:mid, 'T-SL-1', 'street_light', 'Leuchte A', {POINT.format(7.2830, 49.9290)},"
        "  '{\"lamp_technology\": \"LED\", \"power_w\": 36}', true, '2020-05-01', 'X-1', 'x', 'x'),"
        f" (:mid, 'T-SL-2', 'street_light', 'Leuchte B', {POINT.format(7.2841, 49.9302)},"
        "  '{\"lamp_technology\": \"HPS\", \"power_w\": 70}', true, NULL, NULL, 'x', 'x'),"
        f" (:mid, 'T-MTR-1', 'meter', 'Zähler', {POINT.format(7.2815, 49.9281)},"
        "  '{\"medium\": \"water\", \"meter_number\": \"SECRET-1\"}', false, NULL, 'X-3', 'x', 'x')"
        " RETURNING code, id")
    return {code: i for code, i in rows.all()}


async def test_history_of_inserts_and_updates_is_what_the_row_trigger_wrote(as_app):
    ids = await _insert_three(as_app)
    # a multi-row update: two rows change, one only in bookkeeping (no entry)
    await as_app("UPDATE asset SET name = CASE code WHEN 'T-MTR-1' THEN name ELSE name || ' neu' END,"
                 " version = version + 1, updated_at = now() + interval '1 s'"
                 " WHERE code IN ('T-SL-1', 'T-SL-2', 'T-MTR-1')")
    # attributes and geometry of one, internal attributes of the meter
    await as_app("UPDATE asset SET attributes = attributes || '{\"power_w\": 24}',"
                 f" geom = {POINT.format(7.2831, 49.9291)}, version = version + 1"
                 " WHERE code = 'T-SL-1'")
    await as_app("UPDATE asset SET attributes = attributes || '{\"meter_number\": \"SECRET-2\"}',"
                 " version = version + 1 WHERE code = 'T-MTR-1'")
    # decommission, then an edit of the decommissioned asset (an update, not a decommission)
    await as_app("UPDATE asset SET status = 'decommissioned', version = version + 1"
                 " WHERE code IN ('T-SL-2', 'T-MTR-1')")
    await as_app("UPDATE asset SET name = 'alt', version = version + 1 WHERE code = 'T-SL-2'")
    # nothing at all changes
    await as_app("UPDATE asset SET name = name WHERE code LIKE 'T-%'")
    # no actor in the transaction: the row's updated_by is the actor
    await as_app("UPDATE asset SET installed_on = '2021-01-01', updated_by = 'cli:someone'"
                 " WHERE code = 'T-SL-2'", actor="")

    real, ref = await as_app.written()
    assert len(real) == len(ref) == 3 + 2 + 2 + 2 + 1 + 1
    assert sorted(real, key=repr) == sorted(ref, key=repr)
    # per asset in the same order, and the actions as the API shows them
    assert _by_asset(real) == _by_asset(ref)
    actions = {code: [a[0] for a in _by_asset(real)[i]] for code, i in ids.items()}
    assert actions == {"T-SL-1": ["create", "update", "update"],
                       "T-SL-2": ["create", "update", "decommission", "update", "update"],
                       "T-MTR-1": ["create", "update", "decommission"]}
    last = _by_asset(real)[ids["T-SL-2"]][-1]
    assert last[1] == "cli:someone" and last[3] == {"installed_on": None}
    assert last[4] == {"installed_on": "2021-01-01"}
    created = _by_asset(real)[ids["T-SL-1"]][0]
    assert created[0:3] == ("create", "user:test", 1) and created[3] is None
    assert created[4]["geom"] == {"type": "Point", "coordinates": [7.283, 49.929]}
    assert "public_attributes" not in created[4] and "version" not in created[4]


async def test_history_of_cascaded_updates_from_the_type(as_app, connection):
    """Updates that asset_type's own triggers make (unpublish, schema change) get the same
    entries as before: an is_public change per asset; none for public_attributes alone."""
    await _insert_three(as_app)
    await as_app("UPDATE asset_type SET public_allowed = false, public_by_default = false"
                 " WHERE code = 'street_light'")
    schema = await connection.scalar(text(
        "SELECT attribute_schema FROM asset_type WHERE code = 'street_light'"
        " AND municipality_id = :m"), {"m": as_app.mid})
    schema["properties"]["power_w"]["x-internal"] = True
    await as_app("UPDATE asset_type SET attribute_schema = CAST(:s AS jsonb)"
                 " WHERE code = 'street_light'", s=json.dumps(schema))
    real, ref = await as_app.written()
    assert sorted(real, key=repr) == sorted(ref, key=repr)
    unpublished = [r for r in real if r[1] == "update"]
    assert unpublished and all(r[4] == {"is_public": True} and r[5] == {"is_public": False}
                               for r in unpublished)
    public = await connection.scalar(text(
        "SELECT public_attributes FROM asset WHERE code = 'T-SL-1' AND municipality_id = :m"),
        {"m": as_app.mid})
    assert public == {"lamp_technology": "LED"}  # power_w is internal now


async def test_public_attributes_leave_out_internal_keys(as_app, connection):
    await _insert_three(as_app)
    row = (await connection.execute(text(
        "SELECT a.public_attributes, t.internal_keys FROM asset a JOIN asset_type t"
        " ON t.municipality_id = a.municipality_id AND t.code = a.type_code"
        " WHERE a.code = 'T-MTR-1' AND a.municipality_id = :m"), {"m": as_app.mid})).one()
    assert row.public_attributes == {"medium": "water"}
    assert sorted(row.internal_keys) == ["building", "meter_number"]
    # public_attributes cannot be set to anything else
    await as_app("UPDATE asset SET public_attributes = attributes WHERE code = 'T-MTR-1'")
    assert await connection.scalar(text(
        "SELECT public_attributes FROM asset WHERE code = 'T-MTR-1' AND municipality_id = :m"),
        {"m": as_app.mid}) == {"medium": "water"}


@pytest.mark.parametrize("sql, reason", [
    ("UPDATE asset SET is_public = true WHERE code = 'T-MTR-1'", "can never be public"),
    ("UPDATE asset SET geom = ST_Buffer(geom, 0.001) WHERE code = 'T-SL-1'",
     "takes point geometries, not polygon"),
    ("INSERT INTO asset (municipality_id, code, type_code, geom, is_public) VALUES"
     " (:mid, 'T-MTR-9', 'meter', ST_SetSRID(ST_MakePoint(7.28, 49.93), 4326), true)",
     "can never be public"),
], ids=["public-meter", "wrong-kind", "insert-public-meter"])
async def test_type_rules_are_enforced_for_plain_sql(as_app, connection, sql, reason):
    await _insert_three(as_app)
    savepoint = await connection.begin_nested()
    with pytest.raises(DBAPIError, match=reason):
        await as_app(sql)
    await savepoint.rollback()  # and with it the role
