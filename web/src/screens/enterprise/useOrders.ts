import { useMemo } from "react";
import { ordersClient, type OrdersClient } from "../../api/orders";
import { useI18n } from "../../i18n";
import { useApp } from "../../session";

/** The orders client for the signed-in person (the screens that use it show only with orders configured). */
export function useOrders(): OrdersClient {
  const { urls, session } = useApp();
  const { lang } = useI18n();
  return useMemo(
    () => ordersClient(urls.orders ?? "", () => session?.token ?? null, lang),
    [urls.orders, session, lang],
  );
}

const ENTERPRISE_KEY = "sealflow.enterprise";

/** The enterprise this person applies for: the token's enterprise_id claim or the one they registered
 *  here last (a member of several must name it; the service says so otherwise). */
export function currentEnterprise(sub: string): string | null {
  return localStorage.getItem(`${ENTERPRISE_KEY}.${sub}`);
}

export function rememberEnterprise(sub: string, id: string): void {
  localStorage.setItem(`${ENTERPRISE_KEY}.${sub}`, id);
}
