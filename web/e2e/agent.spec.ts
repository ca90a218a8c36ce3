import { expect, test } from "@playwright/test";
import { call, desktop, devToken, phone, shoot, signInAs, ticketingUrl, unique } from "./helpers";

interface Ticket {
  id: string;
  status: string;
  assignee: string | null;
  result: string | null;
  locked_until: string | null;
}

test("an agent claims by type, is told why a long lock is refused, locks, resolves", async ({ page }) => {
  await page.setViewportSize(desktop);
  const admin = await devToken("admin-e2e", ["admin"]);
  const type = unique("vat");
  const made = await call(`${ticketingUrl}/v1/ticket-types`, admin, "POST", {
    key: type,
    name: `VAT invoice ${type}`,
    sla_minutes: 60,
    default_priority: 5,
  });
  expect(made.status).toBe(201);
  const requester = await devToken("rita", ["applicant"]);
  const title = unique("Invoice missing");
  const opened = await call<Ticket>(`${ticketingUrl}/v1/tickets`, requester, "POST", {
    type,
    title,
    description: "The March invoice never arrived.",
    requester: { id: "rita" },
  });
  expect(opened.status).toBe(201);

  await signInAs(page, "Dave Liu");
  await page.getByTestId("tile-pool").click();
  await page.getByTestId("claim-type").selectOption(type);
  await shoot(page, "desktop-pool");
  await page.getByRole("button", { name: "Claim next" }).click();
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  await expect(page.getByTestId("sla-left")).toBeVisible();

  // 90 minutes outlasts the 60-minute SLA: the service refuses, the page says why
  await page.getByLabel(/^minutes/).fill("90");
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await expect(page.getByTestId("lock-refused")).toContainText("SLA deadline");
  await page.getByLabel(/^minutes/).fill("15");
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await expect(page.getByTestId("locked-until")).toBeVisible();
  await shoot(page, "desktop-ticket");

  const agent = await devToken("dave", ["agent"]);
  const locked = await call<Ticket>(`${ticketingUrl}/v1/tickets/${opened.body.id}`, agent);
  expect(locked.body.assignee).toBe("dave");
  expect(locked.body.locked_until).not.toBeNull();

  await page.getByLabel("Result", { exact: true }).fill("Re-issued the invoice and mailed it.");
  await page.getByRole("button", { name: "Post result" }).click();
  await expect(page.getByTestId("ticket-result")).toHaveText("Re-issued the invoice and mailed it.");
  const done = await call<Ticket>(`${ticketingUrl}/v1/tickets/${opened.body.id}`, agent);
  expect(done.body.status).toBe("resolved");
  expect(done.body.result).toBe("Re-issued the invoice and mailed it.");
});

test("an agent hands a ticket back with a reason, and it is queued again", async ({ page }) => {
  await page.setViewportSize(phone);
  const admin = await devToken("admin-e2e", ["admin"]);
  const type = unique("refund");
  await call(`${ticketingUrl}/v1/ticket-types`, admin, "POST", {
    key: type,
    name: `Refund ${type}`,
    sla_minutes: 240,
    default_priority: 3,
  });
  const requester = await devToken("rita", ["applicant"]);
  const opened = await call<Ticket>(`${ticketingUrl}/v1/tickets`, requester, "POST", {
    type,
    title: unique("Refund"),
    requester: { id: "rita" },
  });
  await signInAs(page, "Dave Liu");
  await page.goto("/#/pool");
  await page.getByTestId("claim-type").selectOption(type);
  await page.getByRole("button", { name: "Claim next" }).click();
  await expect(page.getByTestId("sla-left")).toBeVisible();
  await shoot(page, "phone-ticket");
  await page.getByLabel("Why hand it off?").fill("Needs the finance team");
  await page.getByRole("button", { name: "Hand off" }).click();
  await expect(page.getByRole("heading", { name: "Pool" })).toBeVisible();
  const agent = await devToken("dave", ["agent"]);
  const back = await call<Ticket>(`${ticketingUrl}/v1/tickets/${opened.body.id}`, agent);
  expect(back.body.status).toBe("queued");
  expect(back.body.assignee).toBeNull();
});
