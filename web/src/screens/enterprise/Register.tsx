import { useState } from "react";
import type { Enterprise } from "../../api/orders";
import { creditCodeProblem } from "../../creditCode";
import { useI18n, type MessageKey } from "../../i18n";
import { Card, ErrorBox, Status } from "../../ui";
import { rememberEnterprise, useOrders } from "./useOrders";
import { useSession } from "../../session";

const PROBLEM_TEXT: Record<"length" | "characters" | "check", MessageKey> = {
  length: "creditCodeLength",
  characters: "creditCodeCharacters",
  check: "creditCodeCheck",
};

/** Register the enterprise: the credit code is checked as it is typed, the certificate uploaded. */
export function Register() {
  const { t } = useI18n();
  const orders = useOrders();
  const session = useSession();
  const [name, setName] = useState("");
  const [code, setCode] = useState("");
  const [certificate, setCertificate] = useState<string | null>(null);
  const [made, setMade] = useState<Enterprise | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const problem = code ? creditCodeProblem(code) : null;
  // say "too short" only once the code is long enough to be finished, not at every keystroke
  const shown = problem === "length" && code.replace(/\s/g, "").length < 18 ? null : problem;

  async function upload(file: File | undefined) {
    if (!file) return;
    setError(null);
    try {
      setCertificate((await orders.upload(file)).id);
    } catch (err) {
      setError(err);
    }
  }

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const credit_code = code.replace(/[\s-]/g, "").toUpperCase();
      const enterprise = await orders.register({ name, credit_code, certificate_file_id: certificate ?? "" });
      rememberEnterprise(session.persona.sub, enterprise.id);
      setMade(enterprise);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (made) {
    return (
      <Card title={made.name}>
        <p>
          {made.credit_code} <Status value={made.status} />
        </p>
        <p className="muted small">{t("reviewPending")}</p>
      </Card>
    );
  }
  return (
    <form
      className="narrow"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h1>{t("registerEnterprise")}</h1>
      <label className="field">
        <span>{t("enterpriseName")}</span>
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <div className="field">
        <label htmlFor="credit-code">{t("creditCode")}</label>
        <input
          id="credit-code"
          required
          autoCapitalize="characters"
          spellCheck={false}
          value={code}
          aria-invalid={shown ? true : undefined}
          aria-describedby="credit-code-check"
          onChange={(e) => setCode(e.target.value)}
        />
        <p id="credit-code-check" className={shown ? "field-error" : "muted small"} aria-live="polite">
          {shown ? t(PROBLEM_TEXT[shown]) : code && !problem ? `✓ ${t("creditCodeOk")}` : t("creditCodeHint")}
        </p>
      </div>
      <label className="field">
        <span>{t("certificate")}</span>
        <input type="file" accept="application/pdf,image/*" onChange={(e) => void upload(e.target.files?.[0])} />
      </label>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy || problem !== null || !certificate}>
        {t("submit")}
      </button>
    </form>
  );
}
