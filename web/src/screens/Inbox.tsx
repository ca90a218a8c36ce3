import { useState } from "react";
import { must, type Approval } from "../api/client";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useApp } from "../session";
import { Badge, ErrorBox, Loading, Status, when } from "../ui";

type Tab = "pending" | "history";

/** The approver's tasks across requests; approve in one tap, several at once, or open one to reject. */
export function Inbox() {
  const { t, lang } = useI18n();
  const { api } = useApp();
  const [tab, setTab] = useState<Tab>("pending");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const tasks = useLoad(
    () =>
      must(
        api.approval.GET("/v1/tasks", {
          params: { query: tab === "pending" ? { status: "pending", limit: 100 } : { limit: 100 } },
        }),
      ).then((page) => (tab === "pending" ? page.items : page.items.filter((x) => x.status !== "pending"))),
    [tab],
    10_000,
  );
  const pending = tab === "pending" ? (tasks.data?.length ?? 0) : 0;

  async function approve(ids: string[]) {
    setBusy(true);
    setError(null);
    try {
      // one call per task: each is decided on its own, and one refused does not hold back the rest
      const results = await Promise.allSettled(
        ids.map((id) =>
          must(api.approval.POST("/v1/tasks/{task_id}/decision", {
            params: { path: { task_id: id } },
            body: { decision: "approve", channel: "web" },
          })),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) setError(failed.reason);
      setSelected(new Set());
      tasks.reload();
    } finally {
      setBusy(false);
    }
  }

  function toggle(id: string) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  return (
    <div>
      <h1>
        {t("inbox")} <Badge count={pending} label={t("pendingTasks")} />
      </h1>
      <div className="tabs" role="tablist">
        {(["pending", "history"] as Tab[]).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => {
              setTab(name);
              setSelected(new Set());
            }}
          >
            {name === "pending" ? t("waiting") : t("history")}
          </button>
        ))}
      </div>
      <ErrorBox error={error} />
      {tab === "pending" && selected.size > 0 && (
        <div className="bulkbar">
          <button type="button" disabled={busy} onClick={() => void approve([...selected])}>
            {t("approve")} ({selected.size})
          </button>
        </div>
      )}
      {tasks.loading && !tasks.data && <Loading />}
      <ErrorBox error={tasks.error} onRetry={tasks.reload} />
      {tasks.data?.length === 0 && <p className="muted">{t("noItems")}</p>}
      <ul className="list">
        {tasks.data?.map((task: Approval["InboxTask"]) => (
          <li key={task.id} className="row" data-testid="inbox-task">
            {tab === "pending" && (
              <input
                type="checkbox"
                aria-label={`${t("approve")}: ${task.title}`}
                checked={selected.has(task.id)}
                onChange={() => toggle(task.id)}
              />
            )}
            <a className="grow" href={`#/requests/${task.request_id}`}>
              <strong>{task.title}</strong>
              <span className="muted small">
                {task.group_name} · {t("applicant")} {task.applicant_id} · {when(task.created_at, lang)}
              </span>
            </a>
            {tab === "pending" ? (
              <button type="button" disabled={busy} onClick={() => void approve([task.id])}>
                {t("approve")}
              </button>
            ) : (
              <Status value={task.status} />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
