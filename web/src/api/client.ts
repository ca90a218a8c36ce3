// Typed clients, one per service, from the generated OpenAPI types: a path, body or field the services
// no longer have is a compile error here or in the screen that uses it.
import createClient, { type Middleware } from "openapi-fetch";
import type { ServiceUrls } from "../config";
import type { components as ApprovalSchemas, paths as ApprovalPaths } from "./approval.gen";
import type { components as TicketingSchemas, paths as TicketingPaths } from "./ticketing.gen";

export type Approval = ApprovalSchemas["schemas"];
export type Ticketing = TicketingSchemas["schemas"];

/** A problem+json body, as every service renders its errors. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { loc: (string | number)[]; msg: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

function authMiddleware(getToken: () => string | null): Middleware {
  return {
    onRequest({ request }) {
      const token = getToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
}

export function makeClients(urls: ServiceUrls, getToken: () => string | null) {
  const approval = createClient<ApprovalPaths>({ baseUrl: urls.approval });
  const ticketing = createClient<TicketingPaths>({ baseUrl: urls.ticketing });
  approval.use(authMiddleware(getToken));
  ticketing.use(authMiddleware(getToken));
  return { approval, ticketing };
}

export type Clients = ReturnType<typeof makeClients>;

/** The data of a call, or an ApiError carrying the service's problem (its detail is shown to people). */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    throw new ApiError(response.status, (error ?? {}) as Problem);
  }
  return data as T;
}

/** A fresh Idempotency-Key for a create, so a retried click cannot make a second one. */
export function idempotencyKey(): string {
  // getRandomValues, not randomUUID: the latter exists only in secure contexts (not http://<lan-ip>)
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
