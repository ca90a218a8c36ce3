import { must } from "../api/client";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useApp } from "../session";
import { Card, ErrorBox, formatDuration, Loading } from "../ui";

function Ratio({ value }: { value: number | null }) {
  if (value === null) return <span className="muted">—</span>;
  const pct = Math.round(value * 100);
  return (
    <span className="bar" role="img" aria-label={`${pct}%`}>
      <span className={pct < 80 ? "fill low" : "fill"} style={{ width: `${pct}%` }} />
      <span className="bar-text">{pct}%</span>
    </span>
  );
}

/** Supervisor and monitor: per agent and per type, what was handled and how well the SLA held. */
export function Kpis() {
  const { t } = useI18n();
  const { api } = useApp();
  const stats = useLoad(
    () => Promise.all([must(api.ticketing.GET("/v1/stats/agents")), must(api.ticketing.GET("/v1/stats/types"))]),
    [],
    30_000,
  );
  if (!stats.data) return stats.error ? <ErrorBox error={stats.error} onRetry={stats.reload} /> : <Loading />;
  const [agents, types] = stats.data;
  const rows: [string, string, (typeof agents)[number] | (typeof types)[number]][] = [
    ...agents.map((a) => ["agent", a.agent_id, a] as [string, string, typeof a]),
  ];
  const table = (title: string, first: string, items: typeof rows) => (
    <Card title={title}>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{first}</th>
              <th scope="col">{t("handled")}</th>
              <th scope="col">{t("open")}</th>
              <th scope="col">{t("meanHandling")}</th>
              <th scope="col">{t("slaMet")}</th>
              <th scope="col">{t("rating")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map(([, name, k]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{k.handled}</td>
                <td>{k.open}</td>
                <td>{k.mean_handling_seconds === null ? "—" : formatDuration(k.mean_handling_seconds * 1000)}</td>
                <td>
                  <Ratio value={k.sla_met_ratio} />
                </td>
                <td>{k.mean_rating === null ? "—" : `${k.mean_rating.toFixed(1)} (${k.ratings})`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {items.length === 0 && <p className="muted">{t("noItems")}</p>}
      </div>
    </Card>
  );
  return (
    <div>
      <h1>{t("kpis")}</h1>
      {table(t("kpis"), t("agent"), rows)}
      {table(t("typeKpis"), t("type"), types.map((k) => ["type", k.type, k] as [string, string, typeof k]))}
    </div>
  );
}
