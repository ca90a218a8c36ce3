// The orders service (port 8003), typed from its own OpenAPI document like the others: a contract
// change fails `tsc` here.
import createClient from "openapi-fetch";
import { ApiError, must, type Problem } from "./client";
import type { components, paths } from "./orders.gen";

type S = components["schemas"];
export type Category = S["CategoryOut"];
export type Item = S["ItemOut"];
export type Material = S["Material"];
export type Enterprise = S["EnterpriseOut"];
export type StoredFile = S["FileOut"];
export type Application = S["ApplicationOut"];
export type AuditProblem = S["ProblemOut"];
export type Order = S["OrderOut"];
export type OrderSummary = S["OrderSummary"];
export type ApplicationBody = S["ApplicationIn"];
export type ResubmitBody = S["ResubmitIn"];

/** The part of JSON Schema the application wizard renders (an item's form_schema is free-form JSON). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: (string | number)[];
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

export function ordersClient(baseUrl: string, getToken: () => string | null, lang: string) {
  const api = createClient<paths>({ baseUrl });
  api.use({
    onRequest({ request }) {
      const token = getToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      // the audit's reasons in the reader's language
      request.headers.set("Accept-Language", lang);
      return request;
    },
  });
  return {
    categories: () => must(api.GET("/v1/catalog/categories")).then((page) => page.items),
    items: (category?: string, q?: string) =>
      must(api.GET("/v1/catalog/items", { params: { query: { category, q } } })).then((page) => page.items),
    popular: (limit = 6) =>
      must(api.GET("/v1/catalog/popular", { params: { query: { limit } } })).then((page) => page.items),
    item: (id: string) => must(api.GET("/v1/catalog/items/{item_id}", { params: { path: { item_id: id } } })),
    register: (body: S["EnterpriseIn"]) => must(api.POST("/v1/enterprises", { body })),
    /** multipart (field `file`): the service reads the form itself, so its document declares no body */
    upload: async (file: File): Promise<StoredFile> => {
      const form = new FormData();
      form.append("file", file);
      const token = getToken();
      const response = await fetch(`${baseUrl}/v1/files`, {
        method: "POST",
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        body: form,
      });
      const parsed: unknown = await response.json().catch(() => ({}));
      if (!response.ok) throw new ApiError(response.status, parsed as Problem);
      return parsed as StoredFile;
    },
    apply: (body: ApplicationBody) => must(api.POST("/v1/applications", { body })),
    resubmit: (id: string, body: ResubmitBody) =>
      must(api.PUT("/v1/applications/{application_id}", { params: { path: { application_id: id } }, body })),
    orders: () => must(api.GET("/v1/orders")),
    order: (id: string) => must(api.GET("/v1/orders/{order_id}", { params: { path: { order_id: id } } })),
    rate: (id: string, rating: number, comment: string | null) =>
      must(api.POST("/v1/orders/{order_id}/rating", { params: { path: { order_id: id } }, body: { rating, comment } })),
  };
}

export type OrdersClient = ReturnType<typeof ordersClient>;
