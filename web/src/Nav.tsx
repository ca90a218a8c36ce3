import { useI18n } from "./i18n";
import { useRoute } from "./router";
import { hasRole, useApp } from "./session";

export function Nav() {
  const { t, lang, setLang } = useI18n();
  const { session, signOut, urls } = useApp();
  const enterprise = !!urls.orders && hasRole(session, "enterprise");
  const [current = ""] = useRoute();
  const links: [string, string, boolean][] = [
    ["", t("home"), true],
    ["inbox", t("inbox"), hasRole(session, "approver")],
    ["requests", t("myRequests"), hasRole(session, "applicant", "approver")],
    ["pool", t("pool"), hasRole(session, "agent", "supervisor")],
    ["kpis", t("kpis"), hasRole(session, "supervisor", "monitor", "admin")],
    ["catalogue", t("catalogue"), enterprise],
    ["orders", t("myOrders"), enterprise],
  ];
  return (
    <header className="topbar">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <div className="brand">{t("appName")}</div>
      {session && (
        <nav aria-label="main">
          {links
            .filter(([, , shown]) => shown)
            .map(([path, label]) => (
              <a key={path} href={`#/${path}`} aria-current={current === path ? "page" : undefined}>
                {label}
              </a>
            ))}
        </nav>
      )}
      <div className="topbar-end">
        <button type="button" className="link" onClick={() => setLang(lang === "zh" ? "en" : "zh")}>
          {t("language")}
        </button>
        {session && (
          <>
            <span className="who">{lang === "zh" ? session.persona.nameZh : session.persona.name}</span>
            <button type="button" className="link" onClick={signOut}>
              {t("signOut")}
            </button>
          </>
        )}
      </div>
    </header>
  );
}
