import { useState } from "react";
import { must } from "../api/client";
import { useI18n } from "../i18n";
import { PERSONAS, sessionFor, sessionFromToken, useApp, type Persona } from "../session";
import { ErrorBox } from "../ui";

/** Development sign-in: pick a persona, get its token from the services' development-only endpoint. */
export function SignIn() {
  const { t, lang } = useI18n();
  const { api, signIn } = useApp();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pasted, setPasted] = useState("");
  const [badToken, setBadToken] = useState(false);

  async function pick(persona: Persona) {
    setBusy(persona.sub);
    setError(null);
    try {
      const issued = await must(
        api.approval.POST("/v1/dev/token", {
          body: { sub: persona.sub, name: persona.name, email: persona.email ?? null, roles: persona.roles },
        }),
      );
      signIn(sessionFor(persona, issued.token, issued.expires_in));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="narrow">
      <h1>{t("pickPersona")}</h1>
      <ul className="personas">
        {PERSONAS.map((p) => (
          <li key={p.sub}>
            <button type="button" className="persona" disabled={busy !== null} onClick={() => void pick(p)}>
              <strong>{lang === "zh" ? p.nameZh : p.name}</strong>
              <span className="muted">
                {p.sub} · {p.roles.join(", ")}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <p className="muted small">{t("devOnly")}</p>
      <ErrorBox error={error} />
      <details>
        <summary>{t("signInWithToken")}</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const session = sessionFromToken(pasted.trim());
            setBadToken(!session);
            if (session) signIn(session);
          }}
        >
          <label className="field">
            <span>{t("bearerToken")}</span>
            <textarea rows={3} value={pasted} spellCheck={false} onChange={(e) => setPasted(e.target.value)} />
          </label>
          {badToken && (
            <p className="field-error" role="alert">
              {t("badToken")}
            </p>
          )}
          <button type="submit" disabled={!pasted.trim()}>
            {t("signIn")}
          </button>
        </form>
      </details>
    </div>
  );
}
