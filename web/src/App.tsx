import { useEffect, useMemo, useState } from "react";
import { makeClients } from "./api/client";
import type { ServiceUrls } from "./config";
import { browserLang, I18nContext, makeI18n, type Lang } from "./i18n";
import { go, useRoute } from "./router";
import { AppContext, hasRole, loadSession, saveSession, type Session } from "./session";
import { Home } from "./screens/Home";
import { Inbox } from "./screens/Inbox";
import { Kpis } from "./screens/Kpis";
import { MyRequests } from "./screens/MyRequests";
import { NewRequest } from "./screens/NewRequest";
import { Pool } from "./screens/Pool";
import { RequestView } from "./screens/RequestView";
import { SignIn } from "./screens/SignIn";
import { TicketView } from "./screens/TicketView";
import { Nav } from "./Nav";
import { Apply } from "./screens/enterprise/Apply";
import { Catalogue } from "./screens/enterprise/Catalogue";
import { OrderList, OrderView } from "./screens/enterprise/Orders";
import { Register } from "./screens/enterprise/Register";

export function App({ urls }: { urls: ServiceUrls }) {
  const [lang, setLangState] = useState<Lang>(browserLang);
  const [session, setSession] = useState<Session | null>(loadSession);
  const i18n = useMemo(
    () =>
      makeI18n(lang, (next) => {
        localStorage.setItem("sealflow.lang", next);
        setLangState(next);
      }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  }, [lang]);
  const app = useMemo(() => {
    const api = makeClients(urls, () => session?.token ?? null);
    return {
      urls,
      api,
      session,
      signIn: (next: Session) => {
        saveSession(next);
        setSession(next);
        go("/");
      },
      signOut: () => {
        saveSession(null);
        setSession(null);
        go("/");
      },
    };
  }, [urls, session]);

  return (
    <I18nContext.Provider value={i18n}>
      <AppContext.Provider value={app}>
        <Nav />
        <main id="main">{session ? <Screen session={session} withOrders={!!urls.orders} /> : <SignIn />}</main>
      </AppContext.Provider>
    </I18nContext.Provider>
  );
}

function Screen({ session, withOrders }: { session: Session; withOrders: boolean }) {
  const [first, second] = useRoute();
  // the enterprise screens need the orders service; without it they are not offered
  if (withOrders) {
    if (first === "catalogue") return second ? <Apply id={second} /> : <Catalogue />;
    if (first === "enterprise") return <Register />;
    if (first === "orders") return second ? <OrderView id={second} /> : <OrderList />;
  }
  switch (first) {
    case "inbox":
      return <Inbox />;
    case "requests":
      if (second === "new") return <NewRequest />;
      if (second) return <RequestView id={second} />;
      return <MyRequests />;
    case "pool":
      return <Pool />;
    case "tickets":
      return second ? <TicketView id={second} /> : <Pool />;
    case "kpis":
      return hasRole(session, "supervisor", "monitor", "admin") ? <Kpis /> : <Home />;
    default:
      return <Home />;
  }
}
