// The orders service (port 8003), written from the REST contract's Orders section while the service
// is built on another branch. When it lands, export_openapi.py writes openapi/orders.json and
// orders.gen.ts appears beside the others: these types should then be taken from it, as the
// approval and ticketing ones are, so that a contract change breaks the build here too.
import { ApiError, type Problem } from "./client";

export interface Category {
  id: string;
  name: string;
  description: string | null;
}

export interface Material {
  key: string;
  name: string;
  required: boolean;
  content_types: string[];
  max_bytes: number;
  min_pages: number | null;
}

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
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
}

export interface Item {
  id: string;
  name: string;
  category_id: string;
  description: string | null;
  handling: { steps: string[]; location: string | null; notes: string | null };
  form_schema: JsonSchema;
  materials: Material[];
  active: boolean;
}

export interface Enterprise {
  id: string;
  name: string;
  credit_code: string;
  status: "pending" | "verified" | "rejected";
}

export interface StoredFile {
  id: string;
  sha256: string;
  size: number;
  content_type: string;
  filename: string;
}

export interface AuditProblem {
  field: string;
  reason: string;
}

export interface Application {
  id: string;
  status: "accepted" | "returned";
  order_id: string | null;
  problems: AuditProblem[];
}

export type OrderStatus = "awaiting_approval" | "dispatched" | "in_progress" | "completed" | "rejected" | "cancelled";

export interface Order {
  id: string;
  number: string;
  item_id: string;
  application_id: string;
  enterprise_id: string;
  applicant_id: string;
  status: OrderStatus;
  channel: string;
  created_at: string;
  updated_at: string;
  progress: { at: string; status: string; note: string | null; by: string | null }[];
  rating: null | { rating: number; comment: string | null };
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ApplicationBody {
  item_id: string;
  form: Record<string, unknown>;
  materials: Record<string, string>;
  channel: "web";
}

/** A small client for the orders service: JSON in and out, problems as ApiError. */
export function ordersClient(baseUrl: string, getToken: () => string | null) {
  async function send<T>(method: string, path: string, body?: unknown, form?: FormData): Promise<T> {
    const headers: Record<string, string> = {};
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, (parsed ?? {}) as Problem);
    return parsed as T;
  }
  const query = (params: Record<string, string | number | undefined>) => {
    const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== "");
    return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : "";
  };
  return {
    categories: () => send<Category[] | Page<Category>>("GET", "/v1/catalog/categories").then(itemsOf),
    items: (category?: string, q?: string) =>
      send<Item[] | Page<Item>>("GET", `/v1/catalog/items${query({ category, q })}`).then(itemsOf),
    popular: (limit = 6) => send<Item[] | Page<Item>>("GET", `/v1/catalog/popular${query({ limit })}`).then(itemsOf),
    item: (id: string) => send<Item>("GET", `/v1/catalog/items/${encodeURIComponent(id)}`),
    register: (body: { name: string; credit_code: string; certificate_file_id: string }) =>
      send<Enterprise>("POST", "/v1/enterprises", body),
    enterprise: (id: string) => send<Enterprise>("GET", `/v1/enterprises/${encodeURIComponent(id)}`),
    upload: (file: File) => {
      const form = new FormData();
      form.append("file", file);
      return send<StoredFile>("POST", "/v1/files", undefined, form);
    },
    apply: (body: ApplicationBody) => send<Application>("POST", "/v1/applications", body),
    resubmit: (id: string, body: ApplicationBody) =>
      send<Application>("PUT", `/v1/applications/${encodeURIComponent(id)}`, body),
    orders: () => send<Page<Order>>("GET", "/v1/orders"),
    order: (id: string) => send<Order>("GET", `/v1/orders/${encodeURIComponent(id)}`),
    rate: (id: string, rating: number, comment: string | null) =>
      send<Order>("POST", `/v1/orders/${encodeURIComponent(id)}/rating`, { rating, comment }),
  };
}

export type OrdersClient = ReturnType<typeof ordersClient>;

function itemsOf<T>(value: T[] | Page<T>): T[] {
  return Array.isArray(value) ? value : value.items;
}
