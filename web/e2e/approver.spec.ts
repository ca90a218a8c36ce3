import { expect, test } from "@playwright/test";
import { approvalUrl, call, devToken, phone, shoot, signInAs, unique } from "./helpers";

interface RequestBody {
  id: string;
  status: string;
  groups: { tasks: { approver_id: string; status: string; comment: string | null }[] }[];
}

async function requestFor(approver: string, title: string): Promise<string> {
  const applicant = await devToken("alice", ["applicant"]);
  const created = await call<RequestBody>(`${approvalUrl}/v1/approval-requests`, applicant, "POST", {
    title,
    form: { amount: 1200, purpose: "laptop" },
    groups: [{ name: "finance", mode: "all", approvers: [{ id: approver }] }],
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

test.use({ viewport: phone, isMobile: true, hasTouch: true });

test("an approver approves from the inbox on a phone, in one tap", async ({ page }) => {
  const title = unique("Laptop");
  const id = await requestFor("bob", title);
  await signInAs(page, "Bob Zhang");
  await expect(page.getByTestId("tile-inbox").locator(".badge")).toHaveText(/\d+/);
  await shoot(page, "phone-home-approver");
  await page.getByTestId("tile-inbox").click();
  const row = page.getByTestId("inbox-task").filter({ hasText: title });
  await expect(row).toBeVisible();
  await shoot(page, "phone-inbox");
  await row.getByRole("button", { name: "Approve", exact: true }).tap();
  await expect(row).toHaveCount(0);

  const bob = await devToken("bob", ["approver"]);
  const after = await call<RequestBody>(`${approvalUrl}/v1/approval-requests/${id}`, bob);
  expect(after.body.status).toBe("approved");
  expect(after.body.groups[0]?.tasks[0]?.status).toBe("approved");
});

test("a rejection needs a reason, and the reason reaches the request", async ({ page }) => {
  const title = unique("Trip");
  const id = await requestFor("bob", title);
  await signInAs(page, "Bob Zhang");
  await page.goto(`/#/requests/${id}`);
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  await page.getByRole("button", { name: "Reject" }).tap();
  await expect(page.getByRole("alert")).toContainText("Say why you reject");
  await shoot(page, "phone-request-reason-required");

  const bob = await devToken("bob", ["approver"]);
  const still = await call<RequestBody>(`${approvalUrl}/v1/approval-requests/${id}`, bob);
  expect(still.body.status).toBe("pending"); // nothing was sent without a reason

  await page.getByLabel("Reason (required to reject)").fill("Over the travel budget");
  await page.getByRole("button", { name: "Reject" }).tap();
  await expect(page.locator("h1 .status")).toHaveText("rejected");
  const after = await call<RequestBody>(`${approvalUrl}/v1/approval-requests/${id}`, bob);
  expect(after.body.status).toBe("rejected");
  expect(after.body.groups[0]?.tasks[0]?.comment).toBe("Over the travel budget");
});

test("an approver adds an approver (加签) and the group waits for both", async ({ page }) => {
  const title = unique("Server");
  const id = await requestFor("bob", title);
  await signInAs(page, "Bob Zhang");
  await page.goto(`/#/requests/${id}`);
  await page.getByLabel("Add approver (加签)").fill("carol");
  await page.getByRole("button", { name: "Add", exact: true }).tap();
  await expect(page.locator(".list.compact .row").filter({ hasText: "carol" })).toBeVisible();
  await shoot(page, "phone-request");

  const bob = await devToken("bob", ["approver"]);
  const after = await call<RequestBody>(`${approvalUrl}/v1/approval-requests/${id}`, bob);
  expect(after.body.groups[0]?.tasks.map((t) => t.approver_id).sort()).toEqual(["bob", "carol"]);
});

test("the inbox shows a new task without a reload, and bulk approve decides several", async ({ page }) => {
  await signInAs(page, "Carol Li");
  await page.getByRole("navigation").getByRole("link", { name: "Inbox" }).click();
  await expect(page.getByRole("heading", { name: /Inbox/ })).toBeVisible();
  const first = unique("Desk");
  const second = unique("Lamp");
  const ids = [await requestFor("carol", first), await requestFor("carol", second)];
  // no reload: the inbox refreshes itself while it is on screen
  await expect(page.getByTestId("inbox-task").filter({ hasText: first })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("inbox-task").filter({ hasText: second })).toBeVisible({ timeout: 30_000 });
  await page.getByRole("checkbox", { name: `Approve: ${first}` }).check();
  await page.getByRole("checkbox", { name: `Approve: ${second}` }).check();
  await page.getByRole("button", { name: "Approve (2)" }).tap();
  await expect(page.getByTestId("inbox-task").filter({ hasText: first })).toHaveCount(0);
  await expect(page.getByTestId("inbox-task").filter({ hasText: second })).toHaveCount(0);
  const carol = await devToken("carol", ["approver"]);
  for (const id of ids) {
    const after = await call<RequestBody>(`${approvalUrl}/v1/approval-requests/${id}`, carol);
    expect(after.body.status).toBe("approved");
  }
});
