-- Let the spatial index work under row-level security.
--
-- With RLS on a table, PostgreSQL uses a condition for an index scan only when the
-- condition's function is LEAKPROOF (it could otherwise reveal rows the policies hide,
-- e.g. through an error message). PostGIS does not mark its bounding-box operators so
-- (https://trac.osgeo.org/postgis/ticket/3676), which leaves every bbox query, tile and
-- distance search a scan of the whole municipality. These functions only compare two
-- bounding boxes and return true or false, for any input: they leak nothing.
--
-- Only a superuser may mark functions LEAKPROOF. The local cluster's admin and the
-- postgis image's POSTGRES_USER are; a managed database's owner may not be: then the
-- migration says so and the queries stay correct, only slower.
DO $$
DECLARE
    f text;
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE WARNING 'gisapp: % is not a superuser, so the PostGIS bounding-box operators '
                      'stay NOT LEAKPROOF and spatial queries under row-level security scan '
                      'the whole municipality instead of using the spatial index. '
                      'Ask a superuser to run gisapp/sql/spatial_index_rls_up.sql.', current_user;
        RETURN;
    END IF;
    FOREACH f IN ARRAY ARRAY[
        'geometry_overlaps(geometry, geometry)', 'geometry_within(geometry, geometry)',
        'geometry_contains(geometry, geometry)', 'geography_overlaps(geography, geography)',
        'overlaps_2d(geometry, box2df)', 'is_contained_2d(geometry, box2df)',
        'contains_2d(geometry, box2df)', 'overlaps_geog(geography, gidx)'] LOOP
        EXECUTE format('ALTER FUNCTION %s LEAKPROOF', f);
    END LOOP;
END $$;
