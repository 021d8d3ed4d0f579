-- passnum on PostgreSQL: the application connects as a role that owns no table.
--
-- Run once as the database owner (the role that runs `manage.py migrate`), after the first
-- migration, with the database and the password as variables:
--
--   psql -v db=passnum -v app_password="'a long secret'" -f scripts/postgres-app-role.sql
--
-- then give the web processes DATABASE_URL=postgres://passnum_app:…@host/passnum and keep the
-- owner's URL for migrations only. The app role can read and write rows, but cannot drop or
-- alter a table, TRUNCATE, disable triggers or change session_replication_role (which only a
-- superuser may set): the append-only tables (unit events, audit journal) stay append-only.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'passnum_app') THEN
        CREATE ROLE passnum_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
END
$$;
ALTER ROLE passnum_app WITH PASSWORD :app_password;
GRANT CONNECT ON DATABASE :db TO passnum_app;
GRANT USAGE ON SCHEMA public TO passnum_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO passnum_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO passnum_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO passnum_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO passnum_app;
