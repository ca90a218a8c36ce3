"""The decision hot path: one autocommit statement that records a decision and settles its group and request."""

from __future__ import annotations

# The outcome rules of domain.group_outcome and domain.request_outcome, restated in SQL for the
# one-statement decision below; tests/test_hot_path.py checks them against the domain on every small tally.
# GROUP_OUTCOME_AFTER reads a group's columns and the decision ($9 approvals and $10 rejections it adds).
GROUP_OUTCOME_AFTER = """CASE mode
    WHEN 'all' THEN CASE WHEN rejected_count + $10 > 0 THEN 'rejected'
                         WHEN approved_count + $9 = task_count THEN 'approved' ELSE 'pending' END
    WHEN 'any' THEN CASE WHEN approved_count + $9 > 0 THEN 'approved'
                         WHEN rejected_count + $10 = task_count THEN 'rejected' ELSE 'pending' END
    ELSE CASE WHEN approved_count + $9 >= COALESCE(min_approvals, task_count) THEN 'approved'
              WHEN task_count - rejected_count - $10 < COALESCE(min_approvals, task_count) THEN 'rejected'
              ELSE 'pending' END
END"""
# REQUEST_OUTCOME_AFTER reads the request's combine and group_count and its group counts after the decision.
REQUEST_OUTCOME_AFTER = """CASE combine
    WHEN 'all' THEN CASE WHEN rejected_after > 0 THEN 'rejected'
                         WHEN approved_after = group_count THEN 'approved' ELSE 'pending' END
    ELSE CASE WHEN approved_after > 0 THEN 'approved'
              WHEN rejected_after = group_count THEN 'rejected' ELSE 'pending' END
END"""

# A decision in ONE autocommit statement (Database.statement(): no BEGIN, no COMMIT), settling its group and
# its request when it does. It reads the task, its group and its request from the statement's snapshot,
# then locks the request with `version = <version read>`: every writer bumps the version under that lock,
# so if anyone committed since the snapshot was taken the lock finds no row and nothing is written (the
# caller then takes the transactional path, which also explains refusals). Every write below hangs off
# `req`, the locked request, so it happens only then. When the group settles, its other pending tasks are
# cancelled; when the request settles too, its other pending groups and tasks are, a `decided` audit entry
# is written and the `approval.request.decided` event goes to the outbox, one row per destination ($18
# the subscribers, then the request's callback URL unless it is one of them; $19 their row ids). An f-string:
# its literal braces are doubled.
DECIDE_AT_ONCE = f"""
WITH s AS (
    SELECT t.request_id, t.group_id, t.approver_id, t.status AS task_status,
           r.version, r.status AS request_status, r.combine, r.group_count, r.approved_groups,
           r.rejected_groups, r.title, r.applicant_id, r.callback_url,
           g.status AS group_status, g.mode, g.min_approvals, g.task_count, g.approved_count, g.rejected_count
    FROM approval_tasks t
    JOIN approval_requests r ON r.id = t.request_id
    JOIN approval_groups g ON g.id = t.group_id
    WHERE t.id = $1
), ok AS (
    SELECT s.*, {GROUP_OUTCOME_AFTER} AS group_after
    FROM s
    WHERE task_status = 'pending' AND request_status = 'pending' AND group_status = 'pending'
      AND CASE WHEN $7 THEN ($8::text IS NULL OR approver_id = $8)
               ELSE approver_id = $6 AND ($8::text IS NULL OR $8 = $6) END
), counted AS (
    SELECT ok.*, approved_groups + (group_after = 'approved')::int AS approved_after,
           rejected_groups + (group_after = 'rejected')::int AS rejected_after
    FROM ok
), fin AS (
    SELECT counted.*,
           CASE WHEN group_after = 'pending' THEN 'pending' ELSE {REQUEST_OUTCOME_AFTER} END AS request_after
    FROM counted
), req AS (
    UPDATE approval_requests r
    SET version = r.version + 1, approved_groups = fin.approved_after, rejected_groups = fin.rejected_after,
        status = fin.request_after,
        decided_at = CASE WHEN fin.request_after = 'pending' THEN r.decided_at ELSE $3 END
    FROM fin WHERE r.id = fin.request_id AND r.version = fin.version AND r.status = 'pending'
    RETURNING r.id
), task AS (
    UPDATE approval_tasks t
    SET status = $2, decided_at = $3, comment = $4, channel = $5, decided_by = $6, next_remind_at = NULL
    FROM req
    WHERE t.id = $1 AND t.status = 'pending'
    RETURNING t.id, t.approver_id, t.status, t.decided_at, t.comment, t.channel, t.approver_email,
              t.email_approval, t.created_at, t.delegated_from
), others AS (
    UPDATE approval_tasks t SET status = 'cancelled', decided_at = $3
    FROM req, fin
    WHERE fin.group_after <> 'pending' AND t.id <> $1 AND t.status = 'pending'
      AND (t.group_id = fin.group_id OR (fin.request_after <> 'pending' AND t.request_id = fin.request_id))
), grp AS (
    UPDATE approval_groups g
    SET approved_count = g.approved_count + CASE WHEN g.id = fin.group_id THEN $9 ELSE 0 END,
        rejected_count = g.rejected_count + CASE WHEN g.id = fin.group_id THEN $10 ELSE 0 END,
        status = CASE WHEN g.id = fin.group_id THEN fin.group_after ELSE 'cancelled' END,
        decided_at = CASE WHEN g.id = fin.group_id AND fin.group_after = 'pending' THEN g.decided_at ELSE $3 END
    FROM req, fin
    WHERE g.id = fin.group_id
       OR (fin.request_after <> 'pending' AND g.request_id = fin.request_id AND g.status = 'pending')
), aud AS (
    INSERT INTO approval_audit (id, request_id, at, actor_id, action, channel, task_id, detail)
    SELECT $11::uuid, fin.request_id, $3, $6, $12::text, $5, $1::uuid, $13::text::jsonb FROM req, fin
    UNION ALL
    SELECT $14::uuid, fin.request_id, $3, $6, 'decided', NULL, NULL::uuid,
           json_build_object('status', fin.request_after)::jsonb
    FROM req, fin WHERE fin.request_after <> 'pending'
), evt AS (
    INSERT INTO outbox (id, event_id, event_type, destination, body, status, attempts, next_attempt_at, created_at)
    SELECT d.id, $15::uuid, 'approval.request.decided', d.url,
           -- the body our JSON writer makes (compact, keys in the contract's order); $16 is its opening,
           -- up to the request id, and $17 the event's decided_at
           $16::text || fin.request_id || '","title":' || to_json(fin.title)::text
               || ',"applicant_id":' || to_json(fin.applicant_id)::text
               || ',"status":"' || fin.request_after || '","decided_at":"' || $17::text || '"}}}}',
           'pending', 0, $3, $3
    FROM req, fin,
         unnest(array_append($18::text[],
                             CASE WHEN fin.callback_url = ANY($18::text[]) THEN NULL ELSE fin.callback_url END),
                $19::uuid[]) AS d(url, id)
    WHERE fin.request_after <> 'pending' AND d.url IS NOT NULL
)
SELECT task.id, task.approver_id, task.status, task.decided_at, task.comment, task.channel,
       task.approver_email, task.email_approval, task.created_at, task.delegated_from,
       fin.group_after, fin.request_after
FROM task, fin
"""  # noqa: S608 - the outcome rules are constants of this module, not input
