"""Evidence is immutable in the database itself; erasure is one sanctioned, explicit act.

Triggers on immutable tables refuse UPDATE and DELETE. The only way to delete such rows is
inside `erasure_permitted()`: retention deleting what is due, or a test run emptying its
database. On PostgreSQL it sets a transaction-local setting the triggers read; on SQLite
(which has no such settings) it writes a row to a permit table for the length of the
transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import connections, migrations, models, transaction

PERMIT_SETTING = "conduct_portal.erasure_permitted"
PERMIT_TABLE = "conduct_erasure_permit"

# SQL fragments the triggers use: true while erasure is permitted in this transaction.
POSTGRESQL_PERMITTED = f"coalesce(current_setting('{PERMIT_SETTING}', true), '') = 'on'"
SQLITE_PERMITTED = f"EXISTS (SELECT 1 FROM {PERMIT_TABLE})"  # noqa: S608
SQLITE_CREATE_PERMIT_TABLE = f"CREATE TABLE IF NOT EXISTS {PERMIT_TABLE} (permitted integer)"


@contextmanager
def erasure_permitted(using: str = "default") -> Iterator[None]:
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Transaction-local, but inside an outer transaction it would outlive this block, so
            # it is switched off on the way out. After an error the savepoint's rollback undoes it.
            cursor.execute("SELECT set_config(%s, 'on', true)", [PERMIT_SETTING])
            yield
            cursor.execute("SELECT set_config(%s, '', true)", [PERMIT_SETTING])
        else:
            cursor.execute(f"INSERT INTO {PERMIT_TABLE} (permitted) VALUES (1)")  # noqa: S608
            try:
                yield
            finally:
                cursor.execute(f"DELETE FROM {PERMIT_TABLE}")  # noqa: S608


def run_for_vendor(statements: dict[str, list[str]]):
    """A RunPython function that executes the statements listed for the database's vendor."""

    def run(apps, schema_editor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def append_only(table: str) -> migrations.RunPython:
    """A migration operation: rows of `table` can be inserted, never updated, and deleted only
    inside erasure_permitted(). Both engines raise an integrity error."""
    name = f"{table}_append_only"
    message = f"{table} rows are evidence: they cannot be changed or deleted"
    raise_error = f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    forward = {
        "postgresql": [
            f"""
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND {POSTGRESQL_PERMITTED} THEN
                RETURN OLD;
              END IF;
              RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
            END $$;
            """,
            f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ],
        "sqlite": [
            SQLITE_CREATE_PERMIT_TABLE,
            f"CREATE TRIGGER {name}_update BEFORE UPDATE ON {table} {raise_error}",
            f"CREATE TRIGGER {name}_delete BEFORE DELETE ON {table} "
            f"WHEN NOT {SQLITE_PERMITTED} {raise_error}",
        ],
    }
    reverse = {
        "postgresql": [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION {name}()"],
        "sqlite": [
            f"DROP TRIGGER IF EXISTS {name}_update",
            f"DROP TRIGGER IF EXISTS {name}_delete",
        ],
    }
    return migrations.RunPython(run_for_vendor(forward), run_for_vendor(reverse))


class AppendOnly(models.Model):
    """A model whose rows are records: the code refuses to change or delete one, as the
    database does (see append_only). `record_name` says what a row is, for the message."""

    record_name = "record"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(f"A {self.record_name} is never changed or deleted.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"A {self.record_name} is never changed or deleted.")
