import { useState } from "react";
import type { Application, AuditProblem, Item, JsonSchema } from "../../api/orders";
import { useLoad } from "../../hooks";
import { useI18n } from "../../i18n";
import { currentEnterprise, useOrders } from "./useOrders";
import { useSession } from "../../session";
import { Card, ErrorBox, Loading } from "../../ui";
import { SchemaForm, type FormValues } from "./SchemaForm";

function splitProblems(problems: AuditProblem[]) {
  const form: Record<string, string> = {};
  const materials: Record<string, string> = {};
  const other: AuditProblem[] = [];
  for (const p of problems) {
    const [root, key] = [p.field.split(".")[0], p.field.split(".").slice(1).join(".")];
    if (root === "form" && key) form[key.split(".")[0] ?? key] = p.reason;
    else if (root === "materials" && key) materials[key] = p.reason;
    else other.push(p);
  }
  return { form, materials, other };
}

/** An item's handling information and the application wizard generated from its form schema. */
export function Apply({ id }: { id: string }) {
  const { t } = useI18n();
  const orders = useOrders();
  const item = useLoad(() => orders.item(id), [id]);
  if (!item.data) return item.error ? <ErrorBox error={item.error} onRetry={item.reload} /> : <Loading />;
  return (
    <div>
      <p>
        <a href="#/catalogue">← {t("catalogue")}</a>
      </p>
      <h1>{item.data.name}</h1>
      {item.data.description && <p>{item.data.description}</p>}
      <Handling item={item.data} />
      <Wizard item={item.data} />
    </div>
  );
}

function Handling({ item }: { item: Item }) {
  const { t } = useI18n();
  const { steps = [], location, notes } = item.handling ?? {};
  return (
    <Card title={t("handling")}>
      {steps.length > 0 && (
        <ol>
          {steps.map((step, i) => (
            <li key={i}>{step}</li>
          ))}
        </ol>
      )}
      {location && (
        <p className="small">
          {t("location")}: {location}
        </p>
      )}
      {notes && <p className="small muted">{notes}</p>}
    </Card>
  );
}

function Wizard({ item }: { item: Item }) {
  const { t } = useI18n();
  const orders = useOrders();
  const session = useSession();
  const [values, setValues] = useState<FormValues>({});
  const [files, setFiles] = useState<Record<string, { id: string; name: string }>>({});
  const [uploading, setUploading] = useState<string | null>(null);
  const [application, setApplication] = useState<Application | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const problems = splitProblems(application?.status === "returned" ? application.problems : []);

  async function upload(key: string, file: File | undefined) {
    if (!file) return;
    setUploading(key);
    setError(null);
    try {
      const stored = await orders.upload(file);
      setFiles((prev) => ({ ...prev, [key]: { id: stored.id, name: stored.filename } }));
    } catch (err) {
      setError(err);
    } finally {
      setUploading(null);
    }
  }

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const materials = Object.fromEntries(Object.entries(files).map(([key, f]) => [key, f.id]));
      // a returned application is resubmitted in place: what passed stays as it was
      const answer =
        application?.status === "returned"
          ? await orders.resubmit(application.id, { form: values, materials })
          : await orders.apply({
              item_id: item.id,
              form: values,
              materials,
              channel: "web",
              enterprise_id: currentEnterprise(session.persona.sub),
            });
      setApplication(answer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (application?.status === "accepted") {
    return (
      <Card>
        <p role="status">{t("accepted")}</p>
        {application.order_id && <a href={`#/orders/${application.order_id}`}>{t("orderProgress")} →</a>}
      </Card>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {application?.status === "returned" && (
        <div className="error" role="alert">
          <p>{t("returned")}</p>
          {problems.other.length > 0 && (
            <ul>
              {problems.other.map((p, i) => (
                <li key={i}>
                  <code>{p.field}</code>: {p.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <Card title={t("applicationForm")}>
        <SchemaForm schema={item.form_schema as JsonSchema} values={values} problems={problems.form} onChange={setValues} />
      </Card>
      {item.materials.length > 0 && (
        <Card title={t("materials")}>
          {item.materials.map((m) => {
            const problem = problems.materials[m.key];
            const id = `material-${m.key}`;
            return (
              <div key={m.key} className="field">
                <label htmlFor={id}>
                  {m.name}
                  {m.required && <span aria-hidden="true"> *</span>}
                </label>
                <input
                  id={id}
                  type="file"
                  accept={m.content_types.join(",")}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={problem ? `${id}-problem` : undefined}
                  onChange={(e) => void upload(m.key, e.target.files?.[0])}
                />
                <span className="muted small">
                  {m.content_types.join(", ")} · ≤ {Math.round(m.max_bytes / 1024)} KB
                  {m.min_pages ? ` · ≥ ${m.min_pages} ${t("pages")}` : ""}
                  {uploading === m.key ? ` · ${t("loading")}` : files[m.key] ? ` · ✓ ${files[m.key]?.name}` : ""}
                </span>
                {problem && (
                  <p id={`${id}-problem`} className="field-error" role="alert">
                    {problem}
                  </p>
                )}
              </div>
            );
          })}
        </Card>
      )}
      <ErrorBox error={error} />
      <div className="actions">
        <button type="submit" disabled={busy || uploading !== null}>
          {application?.status === "returned" ? t("resubmit") : t("submit")}
        </button>
      </div>
    </form>
  );
}
