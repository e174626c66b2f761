"""The database's own refusal to change the audit trail: triggers on the AuditEvent table.

PostgreSQL: a row trigger refuses every DELETE and every UPDATE, except an UPDATE that only sets
``user_id``, ``organisation_id`` or ``programme_id`` to NULL (Django's ``SET_NULL`` when a user, organisation or
programme is deleted; the event keeps their names as text). TRUNCATE stays possible for the table's owner: it is
what ``manage.py flush`` (tests, ``restore --replace``) uses, and the application never issues it.

SQLite: the same UPDATE trigger (``RAISE(ABORT)``). No DELETE trigger: Django's flush empties SQLite tables with
DELETE, and the application's own refusal (model and queryset) covers deletes there. SQLite is the laptop
installation, where whoever holds the file can change it anyway; PostgreSQL is where the trigger matters.

``install`` is idempotent. It runs in the migration that made the table append-only and again after every
``migrate`` (``post_migrate``), because SQLite rebuilds a table (and drops its triggers) when a later
migration alters it.
"""

from __future__ import annotations

from typing import Any

NULLABLE_KEYS = ("user_id", "organisation_id", "programme_id")
NAME = "impactlab_audit_append_only"
MESSAGE = "the audit trail is append-only"
_KEYS = "{" + ",".join(NULLABLE_KEYS) + "}"

POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{MESSAGE}: DELETE refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (to_jsonb(NEW) - '{_KEYS}'::text[]) IS DISTINCT FROM (to_jsonb(OLD) - '{_KEYS}'::text[])
        OR (NEW.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM OLD.user_id)
        OR (NEW.organisation_id IS NOT NULL AND NEW.organisation_id IS DISTINCT FROM OLD.organisation_id)
        OR (NEW.programme_id IS NOT NULL AND NEW.programme_id IS DISTINCT FROM OLD.programme_id) THEN
        RAISE EXCEPTION '{MESSAGE}: UPDATE refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
"""


def statements(connection: Any, model: Any) -> list[str]:
    """The SQL that (re)creates the trigger for this table on this database; [] for other vendors."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        return [POSTGRESQL_FUNCTION, f"CREATE OR REPLACE TRIGGER {NAME} BEFORE UPDATE OR DELETE ON {table} "
                                     f"FOR EACH ROW EXECUTE FUNCTION {NAME}()"]
    if connection.vendor == "sqlite":
        columns = [quote(f.column) for f in model._meta.concrete_fields if f.column not in NULLABLE_KEYS]
        changed = [f"NEW.{c} IS NOT OLD.{c}" for c in columns]
        changed += [f"(NEW.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in NULLABLE_KEYS]
        return [f"DROP TRIGGER IF EXISTS {NAME}",
                f"CREATE TRIGGER {NAME} BEFORE UPDATE ON {table} FOR EACH ROW WHEN " + " OR ".join(changed)
                + f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END"]
    return []


def drop_statements(connection: Any, model: Any) -> list[str]:
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {NAME} ON {table}", f"DROP FUNCTION IF EXISTS {NAME}()"]
    return [f"DROP TRIGGER IF EXISTS {NAME}"] if connection.vendor == "sqlite" else []


def _run(connection: Any, sql: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def install(connection: Any, model: Any) -> None:
    _run(connection, statements(connection, model))


def uninstall(connection: Any, model: Any) -> None:
    _run(connection, drop_statements(connection, model))


def installed(connection: Any, model: Any) -> bool:
    """Is the trigger on the table?"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                           [NAME, model._meta.db_table])
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s AND tbl_name = %s",
                           [NAME, model._meta.db_table])
        else:
            return False
        return cursor.fetchone() is not None


def after_migrate(sender: Any, using: str = "default", apps: Any = None, **kwargs: Any) -> None:
    """post_migrate: put the trigger back if a migration rebuilt the table (SQLite) or it went missing."""
    from django.db import connections

    if apps is None:
        return
    try:
        model = apps.get_model("impactlab_web", "AuditEvent")
    except LookupError:
        return
    if not any(f.column == "username" for f in model._meta.concrete_fields):  # before the append-only migration
        return
    connection = connections[using]
    if model._meta.db_table in connection.introspection.table_names():
        install(connection, model)
