import { useState } from "react";
import { ApiError, must } from "../api/client";
import { useLoad, useNow } from "../hooks";
import { useI18n } from "../i18n";
import { go } from "../router";
import { useApp, useSession } from "../session";
import { Card, Countdown, ErrorBox, Loading, Status, when } from "../ui";

/** One ticket: its SLA clock, and the assignee's lock, hand-off and result. */
export function TicketView({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const { api } = useApp();
  const session = useSession();
  const ticket = useLoad(
    () => must(api.ticketing.GET("/v1/tickets/{ticket_id}", { params: { path: { ticket_id: id } } })),
    [id],
    15_000,
  );
  const [minutes, setMinutes] = useState(15);
  const [reason, setReason] = useState("");
  const [result, setResult] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [lockRefused, setLockRefused] = useState(false);
  const [busy, setBusy] = useState(false);
  const now = useNow();
  const x = ticket.data;
  if (!x) return ticket.error ? <ErrorBox error={ticket.error} onRetry={ticket.reload} /> : <Loading />;

  const path = { params: { path: { ticket_id: x.id } } };
  const mine = x.assignee === session.persona.sub && x.status === "assigned";
  const locked = !!x.locked_until && new Date(x.locked_until).getTime() > now;
  const slaLeftMinutes = Math.floor((new Date(x.due_at).getTime() - now) / 60_000);

  async function act(call: () => Promise<unknown>, after?: () => void) {
    setBusy(true);
    setError(null);
    setLockRefused(false);
    try {
      await call();
      if (after) after();
      else ticket.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && call === lock) setLockRefused(true);
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const lock = () => must(api.ticketing.POST("/v1/tickets/{ticket_id}/lock", { ...path, body: { minutes } }));

  return (
    <div>
      <p>
        <a href="#/pool">← {t("pool")}</a>
      </p>
      <h1>
        {x.title} <Status value={x.status} />
      </h1>
      <p className="muted small">
        {x.type} · {t("priority")} {x.priority} · {t("requester")} {x.requester.id} · {t("due")} {when(x.due_at, lang)}
      </p>
      {x.status !== "resolved" && x.status !== "closed" && (
        <p>
          {t("slaLeft")}: <Countdown until={x.due_at} overdue={x.overdue} />
        </p>
      )}
      {x.description && (
        <Card title={t("description")}>
          <p className="pre">{x.description}</p>
        </Card>
      )}
      {lockRefused && (
        <p className="error" role="alert" data-testid="lock-refused">
          {t("lockRefused")} ({t("slaLeft")}: {Math.max(0, slaLeftMinutes)} {t("minutes")})
        </p>
      )}
      <ErrorBox error={lockRefused ? null : error} />
      {mine && (
        <>
          <Card title={t("lock")}>
            {locked ? (
              <div className="inline">
                <span data-testid="locked-until">
                  <span className="status status-locked">{t("locked")}</span> {t("lockedUntil")} {when(x.locked_until, lang)}
                </span>
                <button
                  type="button"
                  className="secondary"
                  disabled={busy}
                  onClick={() => void act(() => must(api.ticketing.DELETE("/v1/tickets/{ticket_id}/lock", path)))}
                >
                  {t("unlock")}
                </button>
              </div>
            ) : (
              <form
                className="inline"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act(lock);
                }}
              >
                <label className="field">
                  <span>
                    {t("minutes")} ({t("slaLeft")} {Math.max(0, slaLeftMinutes)})
                  </span>
                  <input type="number" min={1} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} />
                </label>
                <button type="submit" disabled={busy}>
                  {t("lock")}
                </button>
              </form>
            )}
          </Card>
          <Card title={t("result")}>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void act(() =>
                  must(api.ticketing.POST("/v1/tickets/{ticket_id}/result", { ...path, body: { result } })),
                );
              }}
            >
              <label className="field">
                <span>{t("result")}</span>
                <textarea required rows={3} value={result} onChange={(e) => setResult(e.target.value)} />
              </label>
              <button type="submit" disabled={busy || !result.trim()}>
                {t("postResult")}
              </button>
            </form>
          </Card>
          <Card title={t("handoff")}>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void act(
                  () => must(api.ticketing.POST("/v1/tickets/{ticket_id}/handoff", { ...path, body: { reason } })),
                  () => go("/pool"),
                );
              }}
            >
              <label className="field">
                <span>{t("handoffReason")}</span>
                <input required value={reason} onChange={(e) => setReason(e.target.value)} />
              </label>
              <button type="submit" className="secondary" disabled={busy || !reason.trim()}>
                {t("handoff")}
              </button>
            </form>
          </Card>
        </>
      )}
      {x.result && (
        <Card title={t("result")}>
          <p className="pre" data-testid="ticket-result">
            {x.result}
          </p>
          <p className="muted small">{when(x.resolved_at, lang)}</p>
        </Card>
      )}
    </div>
  );
}
