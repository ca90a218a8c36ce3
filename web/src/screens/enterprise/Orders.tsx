import { useState } from "react";
import { useLoad } from "../../hooks";
import { useI18n } from "../../i18n";
import { Card, ErrorBox, Loading, Status, when } from "../../ui";
import { useOrders } from "./useOrders";

/** The enterprise's orders, newest first, with their live status. */
export function OrderList() {
  const { t, lang } = useI18n();
  const orders = useOrders();
  const list = useLoad(() => orders.orders(), [], 15_000);
  return (
    <div>
      <h1>{t("myOrders")}</h1>
      {list.loading && !list.data && <Loading />}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data?.items.length === 0 && <p className="muted">{t("noItems")}</p>}
      <ul className="list">
        {list.data?.items.map((o) => (
          <li key={o.id} className="row">
            <a className="grow" href={`#/orders/${o.id}`}>
              <strong>{o.number}</strong>
              <span className="muted small">{when(o.created_at, lang)}</span>
            </a>
            <Status value={o.status} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One order: its progress as a timeline, and the rating once it is completed. */
export function OrderView({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const orders = useOrders();
  const order = useLoad(() => orders.order(id), [id], 15_000);
  const [stars, setStars] = useState(5);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<unknown>(null);
  const o = order.data;
  if (!o) return order.error ? <ErrorBox error={order.error} onRetry={order.reload} /> : <Loading />;
  return (
    <div>
      <p>
        <a href="#/orders">← {t("myOrders")}</a>
      </p>
      <h1>
        {o.number} <Status value={o.status} />
      </h1>
      <Card title={t("orderProgress")}>
        <ol className="timeline">
          {o.progress.map((step, i) => (
            <li key={i}>
              <Status value={step.status} /> <span className="muted small">{when(step.at, lang)}</span>
              {step.note && <p className="pre">{step.note}</p>}
            </li>
          ))}
        </ol>
      </Card>
      {o.status === "completed" && !o.rating && (
        <Card title={t("rating")}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setError(null);
              orders.rate(o.id, stars, comment || null).then(order.reload, setError);
            }}
          >
            <fieldset className="field stars">
              <legend>{t("rating")}</legend>
              {[1, 2, 3, 4, 5].map((n) => (
                <label key={n} className="radio">
                  <input type="radio" name="stars" checked={stars === n} onChange={() => setStars(n)} /> {"★".repeat(n)}
                </label>
              ))}
            </fieldset>
            <label className="field">
              <span>{t("comment")}</span>
              <textarea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
            </label>
            <ErrorBox error={error} />
            <button type="submit">{t("send")}</button>
          </form>
        </Card>
      )}
      {o.rating && (
        <Card title={t("rating")}>
          <p>
            {"★".repeat(o.rating.rating)} {o.rating.comment}
          </p>
        </Card>
      )}
    </div>
  );
}
