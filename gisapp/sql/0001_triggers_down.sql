DROP TRIGGER IF EXISTS asset_type_unpublish ON asset_type;
DROP FUNCTION IF EXISTS gisapp_type_unpublish();
DROP TRIGGER IF EXISTS asset_type_rules ON asset;
DROP FUNCTION IF EXISTS gisapp_asset_type_rules();
DROP TRIGGER IF EXISTS asset_history ON asset;
DROP FUNCTION IF EXISTS gisapp_asset_history();
