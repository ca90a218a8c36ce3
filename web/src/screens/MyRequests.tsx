import { must } from "../api/client";
import { useLoad } from "../hooks";
import { useI18n } from "../i18n";
import { useApp } from "../session";
import { ErrorBox, Loading, Status, when } from "../ui";

/** The applicant's requests with their live status (polled while the page is visible). */
export function MyRequests() {
  const { t, lang } = useI18n();
  const { api } = useApp();
  const requests = useLoad(
    () => must(api.approval.GET("/v1/approval-requests", { params: { query: { mine: true } } })),
    [],
    10_000,
  );
  return (
    <div>
      <div className="head-row">
        <h1>{t("myRequests")}</h1>
        <a className="button" href="#/requests/new">
          {t("newRequest")}
        </a>
      </div>
      {requests.loading && !requests.data && <Loading />}
      <ErrorBox error={requests.error} onRetry={requests.reload} />
      {requests.data?.items.length === 0 && <p className="muted">{t("noItems")}</p>}
      <ul className="list">
        {requests.data?.items.map((r) => (
          <li key={r.id} className="row">
            <a className="grow" href={`#/requests/${r.id}`}>
              <strong>{r.title}</strong>
              <span className="muted small">{when(r.created_at, lang)}</span>
            </a>
            <Status value={r.status} />
          </li>
        ))}
      </ul>
    </div>
  );
}
