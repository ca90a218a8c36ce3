import { expect, test } from "@playwright/test";
import { approvalUrl, call, devToken, phone, seriousViolations, signInAs, unique } from "./helpers";

test.use({ viewport: phone });

test("the main screens have no serious accessibility violations", async ({ page }) => {
  const applicant = await devToken("alice", ["applicant"]);
  const made = await call<{ id: string }>(`${approvalUrl}/v1/approval-requests`, applicant, "POST", {
    title: unique("Monitor"),
    groups: [{ name: "it", mode: "quorum", min_approvals: 1, approvers: [{ id: "bob" }, { id: "carol" }] }],
  });
  await page.goto("/");
  await expect(page.getByRole("button", { name: /Bob Zhang/ })).toBeVisible();
  expect(await seriousViolations(page), "sign-in").toEqual([]);

  await signInAs(page, "Bob Zhang");
  for (const [name, path, ready] of [
    ["home", "/#/", "tile-inbox"],
    ["inbox", "/#/inbox", "inbox-task"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByTestId(ready).first()).toBeVisible();
    expect(await seriousViolations(page), name).toEqual([]);
  }
  await page.goto(`/#/requests/${made.body.id}`);
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  expect(await seriousViolations(page), "request").toEqual([]);
  await page.goto("/#/requests/new");
  await expect(page.getByLabel("Title")).toBeVisible();
  expect(await seriousViolations(page), "new request").toEqual([]);

  await page.getByRole("button", { name: "Sign out" }).click();
  await signInAs(page, "Dave Liu");
  await page.goto("/#/pool");
  await expect(page.getByRole("button", { name: "Claim next" })).toBeVisible();
  expect(await seriousViolations(page), "pool").toEqual([]);
});
