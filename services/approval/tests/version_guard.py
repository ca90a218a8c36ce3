"""A check, installed in every approval test database, that every writer of a request bumps its version.

The single-statement decision (repository.decision) trusts the request's `version`: it writes only when the
version is still the one it read, so a writer that changes a request, its groups, its tasks or its audit
without bumping the version could have its change overwritten by a stale statement. Two triggers make such
a writer fail loudly in every test that runs it, including a writer added later:
- an UPDATE of a request must raise its version;
- a row of a group, task or audit entry may be written only in a transaction that also wrote (so
  versioned) its request, checked at commit (the request row's xmin is then this transaction).
The reminder loop's rescheduling is exempt: it changes only `next_remind_at` and `reminders_sent`, which
no decision reads (the decision clears them under the task's row lock).
"""

from __future__ import annotations

from .helpers import connect

GUARD_SQL = """
CREATE OR REPLACE FUNCTION test_guard_request_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version <= OLD.version THEN
        RAISE EXCEPTION 'approval request % was written without bumping its version', OLD.id;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION test_guard_request_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'approval_tasks'
       AND to_jsonb(NEW) - 'next_remind_at' - 'reminders_sent'
           = to_jsonb(OLD) - 'next_remind_at' - 'reminders_sent' THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM approval_requests
                   WHERE id = NEW.request_id AND xmin = pg_current_xact_id()::xid) THEN
        RAISE EXCEPTION '% of approval request % was written without bumping the request''s version',
            TG_TABLE_NAME, NEW.request_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER test_guard_request_version BEFORE UPDATE ON approval_requests
    FOR EACH ROW EXECUTE FUNCTION test_guard_request_version();
"""
GUARDED = ("approval_groups", "approval_tasks", "approval_audit")
TRIGGERS = ("test_guard_request_version", *(f"test_guard_{table}" for table in GUARDED))


async def install_version_guard(db_url: str) -> None:
    conn = await connect(db_url)
    try:
        await conn.execute(GUARD_SQL)
        for table in GUARDED:
            await conn.execute(
                f"CREATE CONSTRAINT TRIGGER test_guard_{table} AFTER INSERT OR UPDATE ON {table}"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_guard_request_written()"
            )
    finally:
        await conn.close()
