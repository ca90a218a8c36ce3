import { useState } from "react";
import { idempotencyKey, must, type Approval } from "../api/client";
import { useI18n } from "../i18n";
import { go } from "../router";
import { useApp } from "../session";
import { Card, ErrorBox } from "../ui";

interface DraftGroup {
  name: string;
  mode: "all" | "any" | "quorum";
  minApprovals: number;
  approvers: string;
}

const emptyGroup = (n: number): DraftGroup => ({ name: `G${n}`, mode: "all", minApprovals: 1, approvers: "" });

/** A new ad-hoc request: groups that run at once (all / any / quorum), combined with AND or OR. */
export function NewRequest() {
  const { t } = useI18n();
  const { api } = useApp();
  const [title, setTitle] = useState("");
  const [combine, setCombine] = useState<"all" | "any">("all");
  const [groups, setGroups] = useState<DraftGroup[]>([emptyGroup(1)]);
  const [formText, setFormText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // one key per draft: a double submit or a retry after a lost answer makes one request, not two
  const [key] = useState(idempotencyKey);

  const update = (i: number, patch: Partial<DraftGroup>) =>
    setGroups((prev) => prev.map((g, j) => (j === i ? { ...g, ...patch } : g)));

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const body: Approval["RequestCreate"] = {
        title,
        combine,
        form: parseForm(formText),
        groups: groups.map((g) => ({
          name: g.name,
          mode: g.mode,
          min_approvals: g.mode === "quorum" ? g.minApprovals : null,
          approvers: g.approvers
            .split(/[,，\s]+/)
            .filter(Boolean)
            .map((id) => ({ id, email_approval: false })),
        })),
      };
      const created = await must(
        api.approval.POST("/v1/approval-requests", { body, headers: { "Idempotency-Key": key } }),
      );
      go(`/requests/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h1>{t("newRequest")}</h1>
      <label className="field">
        <span>{t("title")}</span>
        <input required value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label className="field">
        <span>{t("form")} (key: value)</span>
        <textarea rows={3} value={formText} onChange={(e) => setFormText(e.target.value)} placeholder="amount: 1200" />
      </label>
      <fieldset className="field">
        <legend>{t("combine")}</legend>
        <label className="radio">
          <input type="radio" checked={combine === "all"} onChange={() => setCombine("all")} /> {t("combineAll")}
        </label>
        <label className="radio">
          <input type="radio" checked={combine === "any"} onChange={() => setCombine("any")} /> {t("combineAny")}
        </label>
      </fieldset>
      {groups.map((g, i) => (
        <Card key={i} title={`${t("groups")} ${i + 1}`}>
          <div className="grid2">
            <label className="field">
              <span>{t("groupName")}</span>
              <input required value={g.name} onChange={(e) => update(i, { name: e.target.value })} />
            </label>
            <label className="field">
              <span>{t("mode")}</span>
              <select value={g.mode} onChange={(e) => update(i, { mode: e.target.value as DraftGroup["mode"] })}>
                <option value="all">{t("modeAll")}</option>
                <option value="any">{t("modeAny")}</option>
                <option value="quorum">{t("modeQuorum")}</option>
              </select>
            </label>
          </div>
          {g.mode === "quorum" && (
            <label className="field">
              <span>{t("minApprovals")}</span>
              <input
                type="number"
                min={1}
                value={g.minApprovals}
                onChange={(e) => update(i, { minApprovals: Number(e.target.value) })}
              />
            </label>
          )}
          <label className="field">
            <span>{t("approvers")}</span>
            <input required value={g.approvers} onChange={(e) => update(i, { approvers: e.target.value })} placeholder="bob, carol" />
          </label>
          {groups.length > 1 && (
            <button type="button" className="link" onClick={() => setGroups((prev) => prev.filter((_, j) => j !== i))}>
              {t("removeGroup")}
            </button>
          )}
        </Card>
      ))}
      <div className="actions">
        <button type="button" className="secondary" onClick={() => setGroups((prev) => [...prev, emptyGroup(prev.length + 1)])}>
          {t("addGroup")}
        </button>
        <button type="submit" disabled={busy}>
          {t("submit")}
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

/** "key: value" lines into the request's form (numbers stay numbers, so conditions can compare them). */
function parseForm(text: string): Record<string, unknown> {
  const form: Record<string, unknown> = {};
  for (const line of text.split("\n")) {
    const at = line.search(/[:：]/);
    if (at <= 0) continue;
    const key = line.slice(0, at).trim();
    const raw = line.slice(at + 1).trim();
    form[key] = raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return form;
}
