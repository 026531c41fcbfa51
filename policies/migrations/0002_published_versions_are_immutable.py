"""The database refuses any change to a published or superseded version and its clauses.

The only change allowed to a published version is the move to superseded. Both engines raise an
integrity error, so a bug or a hand-written UPDATE cannot rewrite what staff signed. Deletion is
let through only inside lib.immutability.erasure_permitted().
"""

from django.db import migrations

from lib.immutability import (
    POSTGRESQL_PERMITTED,
    SQLITE_CREATE_PERMIT_TABLE,
    SQLITE_PERMITTED,
    run_for_vendor,
)

# Every column of a version that is fixed once it leaves draft.
FROZEN = [
    "policy_id", "number", "created_by_id", "created_at", "published_by_id", "published_at",
    "approved_by", "approved_on", "review_due", "summary_of_changes", "content_sha256",
]  # fmt: skip
MESSAGE = "a published policy version and its clauses cannot be changed"

# The SQL is built from the constants above, never from input.
POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION policies_clause_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND {POSTGRESQL_PERMITTED} THEN
        RETURN OLD;
      END IF;
      IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM policies_policyversion
            WHERE id = OLD.version_id AND status <> 'draft'))
         OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM policies_policyversion
            WHERE id = NEW.version_id AND status <> 'draft')) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN COALESCE(NEW, OLD);
    END $$;
    """,
    """
    CREATE TRIGGER policies_clause_frozen BEFORE INSERT OR UPDATE OR DELETE ON policies_clause
    FOR EACH ROW EXECUTE FUNCTION policies_clause_frozen();
    """,
    f"""
    CREATE OR REPLACE FUNCTION policies_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' AND NOT {POSTGRESQL_PERMITTED} THEN
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
      END IF;
      IF OLD.status <> 'draft' AND (
           ({", ".join("NEW." + c for c in FROZEN)}) IS DISTINCT FROM
              ({", ".join("OLD." + c for c in FROZEN)})
           OR (NEW.status <> OLD.status
               AND NOT (OLD.status = 'published' AND NEW.status = 'superseded'))) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN NEW;
    END $$;
    """,
    """
    CREATE TRIGGER policies_version_frozen BEFORE UPDATE OR DELETE ON policies_policyversion
    FOR EACH ROW EXECUTE FUNCTION policies_version_frozen();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS policies_clause_frozen ON policies_clause",
    "DROP FUNCTION IF EXISTS policies_clause_frozen()",
    "DROP TRIGGER IF EXISTS policies_version_frozen ON policies_policyversion",
    "DROP FUNCTION IF EXISTS policies_version_frozen()",
]

_NOT_DRAFT = "(SELECT status FROM policies_policyversion WHERE id = {}.version_id) <> 'draft'"
_RAISE = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
SQLITE = [
    SQLITE_CREATE_PERMIT_TABLE,
    f"CREATE TRIGGER policies_clause_frozen_insert BEFORE INSERT ON policies_clause "
    f"WHEN {_NOT_DRAFT.format('NEW')} {_RAISE}",
    f"CREATE TRIGGER policies_clause_frozen_update BEFORE UPDATE ON policies_clause "
    f"WHEN {_NOT_DRAFT.format('OLD')} OR {_NOT_DRAFT.format('NEW')} {_RAISE}",
    f"CREATE TRIGGER policies_clause_frozen_delete BEFORE DELETE ON policies_clause "
    f"WHEN {_NOT_DRAFT.format('OLD')} AND NOT {SQLITE_PERMITTED} {_RAISE}",
    "CREATE TRIGGER policies_version_frozen_update BEFORE UPDATE ON policies_policyversion "
    "WHEN OLD.status <> 'draft' AND ("
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)
    + " OR (NEW.status <> OLD.status"
    " AND NOT (OLD.status = 'published' AND NEW.status = 'superseded'))) " + _RAISE,
    "CREATE TRIGGER policies_version_frozen_delete BEFORE DELETE ON policies_policyversion "
    f"WHEN OLD.status <> 'draft' AND NOT {SQLITE_PERMITTED} {_RAISE}",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in [
        "policies_clause_frozen_insert",
        "policies_clause_frozen_update",
        "policies_clause_frozen_delete",
        "policies_version_frozen_update",
        "policies_version_frozen_delete",
    ]
]


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_for_vendor({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run_for_vendor({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
