import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const approvalUrl = process.env.SEALFLOW_APPROVAL_URL ?? "http://127.0.0.1:8001";
export const ticketingUrl = process.env.SEALFLOW_TICKETING_URL ?? "http://127.0.0.1:8002";

export const phone = { width: 375, height: 812 };
export const desktop = { width: 1280, height: 860 };

/** A token from the services' development endpoint, as the sign-in screen gets one. */
export async function devToken(sub: string, roles: string[]): Promise<string> {
  const answer = await fetch(`${approvalUrl}/v1/dev/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub, roles }),
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { token: string }).token;
}

/** Call a service as `token`; returns the status and the parsed body. */
export async function call<T = Record<string, unknown>>(
  url: string,
  token: string,
  method = "GET",
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const answer = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, body: (text ? JSON.parse(text) : null) as T };
}

export function unique(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Sign in through the persona picker, as a person would. */
export async function signInAs(page: Page, name: string): Promise<void> {
  await page.goto("/");
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: /Sign out|退出/ })).toBeVisible();
}

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.env.SEALFLOW_SCREENSHOTS ?? join(here, "..", "test-results", "screenshots");

/** A full-page screenshot into SEALFLOW_SCREENSHOTS (make screenshots points it at docs/screenshots). */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}
