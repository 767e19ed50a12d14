-- Isolation between municipalities and from the public, enforced by PostgreSQL itself.
--
-- Roles: the app connects as gisapp_app, which owns nothing and cannot bypass row-level
-- security. Requests of the anonymous public switch (SET LOCAL ROLE) to gisapp_public, which
-- may read a few columns of public rows and nothing else. The migrating role owns the tables.
-- Every request sets gisapp.municipality_id (and gisapp.user_id) for its transaction only.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gisapp_app') THEN
        CREATE ROLE gisapp_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gisapp_public') THEN
        CREATE ROLE gisapp_public NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;
GRANT gisapp_public TO gisapp_app;

CREATE FUNCTION gisapp_municipality() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('gisapp.municipality_id', true), '')::uuid $$;

CREATE FUNCTION gisapp_user() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('gisapp.user_id', true), '')::uuid $$;

-- Top-level attribute names a type marks "x-internal": true.
CREATE FUNCTION gisapp_internal_keys(schema jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(array_agg(key), '{}')
     FROM jsonb_each(coalesce(schema -> 'properties', '{}'))
    WHERE jsonb_typeof(value) = 'object' AND value ->> 'x-internal' = 'true' $$;

-- public_attributes: the attributes minus internal keys, for the public role to read.
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

CREATE FUNCTION gisapp_type_schema_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE asset SET public_attributes = attributes
     WHERE municipality_id = NEW.municipality_id AND type_code = NEW.code;
    RETURN NEW;
END
$$;
CREATE TRIGGER asset_type_schema_changed AFTER UPDATE OF attribute_schema ON asset_type
    FOR EACH ROW EXECUTE FUNCTION gisapp_type_schema_changed();

-- The history leaves out the derived column.
CREATE OR REPLACE FUNCTION gisapp_asset_history() RETURNS trigger
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

UPDATE asset SET public_attributes = attributes;

-- Privileges. Assets, their history and maintenance records are never deleted by the app.
GRANT USAGE ON SCHEMA public TO gisapp_app, gisapp_public;
GRANT SELECT ON alembic_version TO gisapp_app;
GRANT SELECT, INSERT, UPDATE ON municipality, asset_type, asset, app_user, user_session TO gisapp_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON district, street, membership TO gisapp_app;
GRANT SELECT, INSERT ON asset_history, maintenance_record TO gisapp_app;
GRANT SELECT, INSERT, UPDATE ON api_token TO gisapp_app;
GRANT SELECT, INSERT, DELETE ON login_failure TO gisapp_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO gisapp_app;

GRANT SELECT (id, slug, name, boundary, working_crs, default_language) ON municipality TO gisapp_public;
GRANT SELECT (municipality_id, code, code_prefix, label_de, label_en, label_fr, geometry_kind,
              icon, color, public_allowed, public_by_default) ON asset_type TO gisapp_public;
GRANT SELECT (municipality_id, id, code, type_code, name, status, geom, public_attributes,
              installed_on, manufacturer, model, parent_id, is_public, updated_at)
    ON asset TO gisapp_public;
GRANT SELECT (municipality_id, id, name, geom) ON district, street TO gisapp_public;

-- Row-level security: a row is visible and writable only in its municipality's transaction.
-- Every migration that adds a municipality table calls this for it.
CREATE FUNCTION gisapp_isolate(p_table regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
    EXECUTE format('CREATE POLICY tenant_isolation ON %s'
                   ' USING (municipality_id = gisapp_municipality())'
                   ' WITH CHECK (municipality_id = gisapp_municipality())', p_table);
END
$$;
REVOKE ALL ON FUNCTION gisapp_isolate(regclass) FROM PUBLIC;
SELECT gisapp_isolate(t) FROM unnest(ARRAY['asset_type', 'asset', 'asset_history',
    'maintenance_record', 'district', 'street', 'membership', 'api_token']::regclass[]) t;

-- The public sees only public, existing assets of types that may be public. (Keyed on
-- current_user, not "TO gisapp_public": a policy for a role also binds its members, and
-- gisapp_app is one.)
CREATE POLICY public_assets_only ON asset AS RESTRICTIVE FOR SELECT
    USING (current_user <> 'gisapp_public'
           OR (is_public AND status IN ('active', 'defective', 'out_of_service')));
CREATE POLICY public_types_only ON asset_type AS RESTRICTIVE FOR SELECT
    USING (current_user <> 'gisapp_public' OR public_allowed);

-- A person sees their own memberships in every municipality (to switch between them).
CREATE POLICY own_memberships ON membership FOR SELECT USING (user_id = gisapp_user());

-- Municipalities: names and boundaries are public facts; changes only in their own
-- transaction; new ones only by an installation administrator.
ALTER TABLE municipality ENABLE ROW LEVEL SECURITY;
ALTER TABLE municipality FORCE ROW LEVEL SECURITY;
CREATE POLICY read_all ON municipality FOR SELECT USING (true);
CREATE POLICY change_own ON municipality FOR UPDATE
    USING (id = gisapp_municipality()) WITH CHECK (id = gisapp_municipality());
CREATE POLICY create_as_superuser ON municipality FOR INSERT
    WITH CHECK (current_setting('gisapp.superuser', true) = 'on');

-- People: yourself, and the members of the municipality you act in.
ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_user FORCE ROW LEVEL SECURITY;
CREATE POLICY self ON app_user USING (id = gisapp_user());
CREATE POLICY members ON app_user
    USING (EXISTS (SELECT 1 FROM membership m
                    WHERE m.user_id = app_user.id AND m.municipality_id = gisapp_municipality()));
CREATE POLICY create_user ON app_user FOR INSERT
    WITH CHECK (current_setting('gisapp.superuser', true) = 'on');

ALTER TABLE user_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_session FORCE ROW LEVEL SECURITY;
CREATE POLICY own_sessions ON user_session USING (user_id = gisapp_user());
CREATE POLICY members_sessions ON user_session
    USING (EXISTS (SELECT 1 FROM membership m
                    WHERE m.user_id = user_session.user_id
                      AND m.municipality_id = gisapp_municipality()));

-- Look-ups before anyone is known: by a secret's hash or a login name. They run as the
-- owner (past row-level security) and return only what authentication needs.
CREATE FUNCTION gisapp_login_lookup(p_username text)
RETURNS TABLE (user_id uuid, password_hash text, is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT id, password_hash, is_active FROM app_user WHERE username = lower(p_username) $$;

CREATE FUNCTION gisapp_session_lookup(p_hash bytea)
RETURNS TABLE (session_id uuid, user_id uuid, csrf_token text, expires_at timestamptz,
               username text, display_name text, is_superuser boolean,
               preferred_language text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE user_session s SET last_seen_at = now()
     WHERE s.token_hash = p_hash AND s.last_seen_at < now() - interval '5 minutes';
    RETURN QUERY
    SELECT s.id, u.id, s.csrf_token, s.expires_at, u.username, u.display_name,
           u.is_superuser, u.preferred_language
      FROM user_session s JOIN app_user u ON u.id = s.user_id
     WHERE s.token_hash = p_hash AND s.revoked_at IS NULL AND s.expires_at > now()
       AND u.is_active;
END
$$;

CREATE FUNCTION gisapp_session_create(p_user uuid, p_hash bytea, p_csrf text,
                                      p_expires timestamptz, p_agent text)
RETURNS uuid LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS
$$ INSERT INTO user_session (user_id, token_hash, csrf_token, expires_at, user_agent)
   SELECT id, p_hash, p_csrf, p_expires, left(coalesce(p_agent, ''), 300)
     FROM app_user WHERE id = p_user AND is_active
   RETURNING id $$;

CREATE FUNCTION gisapp_token_lookup(p_hash bytea)
RETURNS TABLE (municipality_id uuid, token_id uuid, role text, name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE api_token t SET last_used_at = now()
     WHERE t.token_hash = p_hash AND t.revoked_at IS NULL
       AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute');
    RETURN QUERY
    SELECT t.municipality_id, t.id, t.role, t.name FROM api_token t
     WHERE t.token_hash = p_hash AND t.revoked_at IS NULL
       AND (t.expires_at IS NULL OR t.expires_at > now());
END
$$;

REVOKE ALL ON FUNCTION gisapp_login_lookup(text), gisapp_session_lookup(bytea),
    gisapp_session_create(uuid, bytea, text, timestamptz, text), gisapp_token_lookup(bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gisapp_login_lookup(text), gisapp_session_lookup(bytea),
    gisapp_session_create(uuid, bytea, text, timestamptz, text), gisapp_token_lookup(bytea)
    TO gisapp_app;

-- How many memberships a person has outside the current municipality (not which): an
-- admin may change the password only of people who work nowhere else.
CREATE FUNCTION gisapp_other_memberships(p_user uuid) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT count(*)::integer FROM membership
    WHERE user_id = p_user AND municipality_id IS DISTINCT FROM gisapp_municipality() $$;
REVOKE ALL ON FUNCTION gisapp_other_memberships(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gisapp_other_memberships(uuid) TO gisapp_app;

-- A new person with a role in the current municipality, in one step (the account is not
-- visible to the municipality until the membership exists).
CREATE FUNCTION gisapp_create_member(p_username text, p_display_name text, p_email text,
                                     p_password_hash text, p_language text, p_role text,
                                     p_actor text)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    new_id uuid;
BEGIN
    IF gisapp_municipality() IS NULL THEN
        RAISE EXCEPTION 'no municipality in this transaction' USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO app_user (username, display_name, email, password_hash, preferred_language, created_by)
    VALUES (p_username, coalesce(p_display_name, ''), p_email, p_password_hash, p_language, p_actor)
    RETURNING id INTO new_id;
    INSERT INTO membership (municipality_id, user_id, role, created_by)
    VALUES (gisapp_municipality(), new_id, p_role, p_actor);
    RETURN new_id;
END
$$;
REVOKE ALL ON FUNCTION gisapp_create_member(text, text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gisapp_create_member(text, text, text, text, text, text, text) TO gisapp_app;

-- OpenID Connect: the person the identity provider vouches for. Known (issuer, subject):
-- that account; else the active account with that username and no provider link yet,
-- which gets linked. Nobody else: NULL (accounts are made by admins, not by logging in).
CREATE FUNCTION gisapp_oidc_link(p_issuer text, p_subject text, p_username text)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    found uuid;
BEGIN
    SELECT id INTO found FROM app_user
     WHERE oidc_issuer = p_issuer AND oidc_subject = p_subject AND is_active;
    IF found IS NOT NULL THEN
        RETURN found;
    END IF;
    UPDATE app_user SET oidc_issuer = p_issuer, oidc_subject = p_subject
     WHERE username = lower(p_username) AND oidc_subject IS NULL AND is_active
    RETURNING id INTO found;
    RETURN found;
END
$$;
REVOKE ALL ON FUNCTION gisapp_oidc_link(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gisapp_oidc_link(text, text, text) TO gisapp_app;
