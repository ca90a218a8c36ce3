import { useMemo } from "react";
import { ordersClient, type OrdersClient } from "../../api/orders";
import { useApp } from "../../session";

/** The orders client for the signed-in person (the screens that use it show only with orders configured). */
export function useOrders(): OrdersClient {
  const { urls, session } = useApp();
  return useMemo(() => ordersClient(urls.orders ?? "", () => session?.token ?? null), [urls.orders, session]);
}
