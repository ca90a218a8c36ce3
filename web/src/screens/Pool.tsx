import { useState } from "react";
import { must } from "../api/client";
import { useLoad, useNow } from "../hooks";
import { useI18n } from "../i18n";
import { go } from "../router";
import { hasRole, useApp, useSession } from "../session";
import { Badge, Card, Countdown, ErrorBox, Loading } from "../ui";

/** The agent's desk: claim the next ticket (of a type, or any), and the tickets now theirs. */
export function Pool() {
  const { t } = useI18n();
  const { api } = useApp();
  const session = useSession();
  const [type, setType] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const types = useLoad(() => must(api.ticketing.GET("/v1/ticket-types")), []);
  const mine = useLoad(
    () =>
      must(
        api.ticketing.GET("/v1/tickets", {
          params: { query: { assignee: session.persona.sub, status: "assigned", limit: 100 } },
        }),
      ),
    [session.persona.sub],
    10_000,
  );
  const tickets = mine.data?.items ?? [];
  const now = useNow(15_000);

  async function claim() {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const { data, response, error: problem } = await api.ticketing.POST("/v1/pool/claim", {
        body: { types: type ? [type] : null },
      });
      if (response.status === 204) setMessage(t("poolEmpty"));
      else if (data) go(`/tickets/${data.id}`);
      else await must(Promise.resolve({ data, response, error: problem }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      <h1>{t("pool")}</h1>
      {hasRole(session, "agent") && (
        <Card>
          <div className="inline">
            <label className="field">
              <span>{t("type")}</span>
              <select value={type} onChange={(e) => setType(e.target.value)} data-testid="claim-type">
                <option value="">{t("allTypes")}</option>
                {types.data?.map((x) => (
                  <option key={x.key} value={x.key}>
                    {x.name} ({x.sla_minutes} {t("minutes")})
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy} onClick={() => void claim()}>
              {t("claimNext")}
            </button>
          </div>
          {message && (
            <p className="muted" role="status">
              {message}
            </p>
          )}
          <ErrorBox error={error} />
        </Card>
      )}
      <h2>
        {t("myTickets")} <Badge count={tickets.length} />
      </h2>
      {mine.loading && !mine.data && <Loading />}
      <ErrorBox error={mine.error} onRetry={mine.reload} />
      {mine.data && tickets.length === 0 && <p className="muted">{t("noItems")}</p>}
      <ul className="list">
        {tickets.map((x) => (
          <li key={x.id} className="row" data-testid="my-ticket">
            <a className="grow" href={`#/tickets/${x.id}`}>
              <strong>{x.title}</strong>
              <span className="muted small">
                {x.type} · {t("priority")} {x.priority}
              </span>
            </a>
            {x.locked_until && new Date(x.locked_until).getTime() > now && (
              <span className="status status-locked">{t("locked")}</span>
            )}
            <Countdown until={x.due_at} overdue={x.overdue} />
          </li>
        ))}
      </ul>
    </div>
  );
}
