import { useState } from "react";
import { idempotencyKey, must, type Approval } from "../api/client";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useApp, useSession } from "../session";
import { Card, ErrorBox, Loading, Status, when } from "../ui";

/** One request: its form, its groups and who decided what; the caller's own task decided here. */
export function RequestView({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const { api } = useApp();
  const session = useSession();
  const request = useLoad(
    () => must(api.approval.GET("/v1/approval-requests/{request_id}", { params: { path: { request_id: id } } })),
    [id],
    10_000,
  );
  const [error, setError] = useState<unknown>(null);
  const r = request.data;
  if (!r) return request.error ? <ErrorBox error={request.error} onRetry={request.reload} /> : <Loading />;

  const me = session.persona.sub;
  const myTask = r.groups.flatMap((g) => g.tasks.map((task) => ({ task, group: g })))
    .find(({ task }) => task.approver_id === me && task.status === "pending");

  async function act(call: () => Promise<unknown>) {
    setError(null);
    try {
      await call();
      request.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div>
      <p>
        <a href="#/inbox">← {t("inbox")}</a>
      </p>
      <h1>
        {r.title} <Status value={r.status} />
      </h1>
      <p className="muted small">
        {t("applicant")} {r.applicant_id} · {t("created")} {when(r.created_at, lang)} · {t("combine")}{" "}
        {r.combine === "all" ? "AND" : "OR"}
      </p>
      <ErrorBox error={error} />
      {myTask && r.status === "pending" && (
        <Decide
          onDecide={(decision, comment) =>
            act(() =>
              must(api.approval.POST("/v1/tasks/{task_id}/decision", {
                params: { path: { task_id: myTask.task.id } },
                body: { decision, comment: comment || null, channel: "web" },
              })),
            )
          }
          onDelegate={(to, comment) =>
            act(() =>
              must(api.approval.POST("/v1/tasks/{task_id}/delegate", {
                params: { path: { task_id: myTask.task.id } },
                headers: { "Idempotency-Key": idempotencyKey() },
                body: { to: { id: to, email_approval: false }, comment: comment || null },
              })),
            )
          }
        />
      )}
      {r.applicant_id === me && r.status === "pending" && (
        <p>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void act(() =>
                must(api.approval.POST("/v1/approval-requests/{request_id}/withdraw", {
                  params: { path: { request_id: r.id } },
                })),
              )
            }
          >
            {t("withdraw")}
          </button>
        </p>
      )}
      {Object.keys(r.form).length > 0 && (
        <Card title={t("form")}>
          <dl className="form-view">
            {Object.entries(r.form).map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
              </div>
            ))}
          </dl>
        </Card>
      )}
      <h2>{t("groups")}</h2>
      {r.groups.map((group) => (
        <Group
          key={group.id}
          group={group}
          canAdd={r.status === "pending" && group.status === "pending" && group.tasks.some((x) => x.approver_id === me)}
          onAdd={(approver) =>
            act(() =>
              must(api.approval.POST("/v1/approval-requests/{request_id}/groups/{group_id}/approvers", {
                params: { path: { request_id: r.id, group_id: group.id } },
                headers: { "Idempotency-Key": idempotencyKey() },
                body: { id: approver, email_approval: false },
              })),
            )
          }
        />
      ))}
    </div>
  );
}

function Decide({
  onDecide,
  onDelegate,
}: {
  onDecide: (decision: "approve" | "reject", comment: string) => Promise<void>;
  onDelegate: (to: string, comment: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const [comment, setComment] = useState("");
  const [wantReject, setWantReject] = useState(false);
  const [delegateTo, setDelegateTo] = useState("");
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<void>) => {
    setBusy(true);
    try {
      await call();
    } finally {
      setBusy(false);
    }
  };
  const missingReason = wantReject && !comment.trim();
  return (
    <Card>
      <label className="field">
        <span>{t("reasonToReject")}</span>
        <textarea
          value={comment}
          rows={2}
          aria-invalid={missingReason}
          aria-describedby={missingReason ? "reason-needed" : undefined}
          onChange={(e) => setComment(e.target.value)}
        />
      </label>
      {missingReason && (
        <p id="reason-needed" className="field-error" role="alert">
          {t("reasonRequired")}
        </p>
      )}
      <div className="actions">
        <button type="button" className="approve" disabled={busy} onClick={() => void run(() => onDecide("approve", comment))}>
          {t("approve")}
        </button>
        <button
          type="button"
          className="reject"
          disabled={busy}
          onClick={() => {
            // a rejection without a reason never leaves the page: the applicant would not know what to fix
            if (!comment.trim()) setWantReject(true);
            else void run(() => onDecide("reject", comment));
          }}
        >
          {t("reject")}
        </button>
      </div>
      <details>
        <summary>{t("delegate")}</summary>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (delegateTo.trim()) void run(() => onDelegate(delegateTo.trim(), comment));
          }}
        >
          <label className="field">
            <span>{t("approverId")}</span>
            <input value={delegateTo} onChange={(e) => setDelegateTo(e.target.value)} />
          </label>
          <button type="submit" disabled={busy || !delegateTo.trim()}>
            {t("delegate")}
          </button>
        </form>
      </details>
    </Card>
  );
}

function Group({
  group,
  canAdd,
  onAdd,
}: {
  group: Approval["GroupOut"];
  canAdd: boolean;
  onAdd: (approver: string) => Promise<void>;
}) {
  const { t, lang } = useI18n();
  const [adding, setAdding] = useState("");
  const mode =
    group.mode === "quorum" ? `${t("modeQuorum")} ${group.min_approvals ?? ""}` : group.mode === "all" ? t("modeAll") : t("modeAny");
  return (
    <Card title={<>{group.name} <Status value={group.status} /></>}>
      <p className="muted small">{mode}</p>
      <ul className="list compact">
        {group.tasks.map((task) => (
          <li key={task.id} className="row">
            <span className="grow">
              {task.approver_id}
              {task.comment && <span className="muted small"> — “{task.comment}”</span>}
            </span>
            <span className="muted small">{when(task.decided_at, lang)}</span>
            <Status value={task.status} />
          </li>
        ))}
      </ul>
      {canAdd && (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (adding.trim()) void onAdd(adding.trim()).then(() => setAdding(""));
          }}
        >
          <label className="field">
            <span>{t("addApprover")}</span>
            <input value={adding} onChange={(e) => setAdding(e.target.value)} placeholder={t("approverId")} />
          </label>
          <button type="submit" className="secondary" disabled={!adding.trim()}>
            {t("add")}
          </button>
        </form>
      )}
    </Card>
  );
}
