import { useState } from "react";
import type { Item } from "../../api/orders";
import { useLoad } from "../../hooks";
import { useI18n } from "../../i18n";
import { Card, ErrorBox, Loading } from "../../ui";
import { useOrders } from "./useOrders";

/** The catalogue: categories, a search (Chinese included, the service matches), the popular items. */
export function Catalogue() {
  const { t } = useI18n();
  const orders = useOrders();
  const [category, setCategory] = useState("");
  const [q, setQ] = useState("");
  const [search, setSearch] = useState("");
  const categories = useLoad(() => orders.categories(), []);
  const popular = useLoad(() => orders.popular(6), []);
  const items = useLoad(() => orders.items(category || undefined, search || undefined), [category, search]);

  return (
    <div>
      <h1>{t("catalogue")}</h1>
      <form
        className="inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <label className="field">
          <span>{t("search")}</span>
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit">{t("search")}</button>
      </form>
      <div className="chips" role="group" aria-label={t("categories")}>
        <button type="button" aria-pressed={category === ""} onClick={() => setCategory("")}>
          {t("allTypes")}
        </button>
        {categories.data?.map((c) => (
          <button key={c.id} type="button" aria-pressed={category === c.id} onClick={() => setCategory(c.id)}>
            {c.name}
          </button>
        ))}
      </div>
      <ErrorBox error={categories.error ?? items.error} onRetry={items.reload} />
      {!search && !category && popular.data && popular.data.length > 0 && (
        <Card title={t("popular")}>
          <ItemList items={popular.data} />
        </Card>
      )}
      {items.loading && !items.data ? <Loading /> : <ItemList items={items.data ?? []} />}
    </div>
  );
}

function ItemList({ items }: { items: Item[] }) {
  const { t } = useI18n();
  if (items.length === 0) return <p className="muted">{t("noItems")}</p>;
  return (
    <ul className="list">
      {items.map((item) => (
        <li key={item.id} className="row">
          <a className="grow" href={`#/catalogue/${item.id}`}>
            <strong>{item.name}</strong>
            {item.description && <span className="muted small">{item.description}</span>}
          </a>
        </li>
      ))}
    </ul>
  );
}
