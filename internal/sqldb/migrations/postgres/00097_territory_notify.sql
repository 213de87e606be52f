-- +goose Up
-- Every change to regions or boundaries, by any process or tool, notifies
-- gridwork_territory (for the schema, see gridwork_channel) when its
-- transaction commits, so that each serve process reloads its point → grid
-- index (territory.Service.WatchIndex). One notification per transaction:
-- PostgreSQL folds identical ones.
-- +goose StatementBegin
CREATE FUNCTION gridwork_territory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(gridwork_channel('gridwork_territory'), '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER regions_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON regions
    FOR EACH STATEMENT EXECUTE FUNCTION gridwork_territory_changed();
CREATE TRIGGER region_boundaries_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON region_boundaries
    FOR EACH STATEMENT EXECUTE FUNCTION gridwork_territory_changed();

-- +goose Down
DROP TRIGGER region_boundaries_notify ON region_boundaries;
DROP TRIGGER regions_notify ON regions;
DROP FUNCTION gridwork_territory_changed();
