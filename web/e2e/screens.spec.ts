import { expect, test } from "@playwright/test";
import { approvalUrl, call, desktop, devToken, phone, shoot, signInAs, unique } from "./helpers";

// The main screens, phone and desktop, for the README (make screenshots writes docs/screenshots).
for (const [size, viewport] of [["phone", phone], ["desktop", desktop]] as const) {
  test(`the main screens render on a ${size}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto("/");
    await expect(page.getByRole("button", { name: /Bob Zhang/ })).toBeVisible();
    await shoot(page, `${size}-sign-in`);

    const applicant = await devToken("alice", ["applicant"]);
    await call(`${approvalUrl}/v1/approval-requests`, applicant, "POST", {
      title: unique("Office chairs"),
      combine: "all",
      groups: [
        { name: "manager", mode: "any", approvers: [{ id: "bob" }, { id: "carol" }] },
        { name: "finance", mode: "all", approvers: [{ id: "bob" }] },
      ],
    });
    await signInAs(page, "Alice Wang");
    await page.goto("/#/requests/new");
    await page.getByLabel("Title").fill("Team offsite");
    await page.getByRole("button", { name: "Add group" }).click();
    await page.getByLabel("Mode").nth(1).selectOption("quorum");
    await shoot(page, `${size}-new-request`);
    await page.goto("/#/requests");
    await expect(page.locator(".row").first()).toBeVisible();
    await shoot(page, `${size}-my-requests`);

    await page.getByRole("button", { name: "Sign out" }).click();
    await signInAs(page, "Erin Chen");
    await page.goto("/#/kpis");
    await expect(page.getByRole("heading", { name: "Agent KPIs", level: 1 })).toBeVisible();
    await shoot(page, `${size}-kpis`);
  });
}

test.describe("in Chinese", () => {
  test.use({ locale: "zh-CN" });
  test("the browser's language picks Chinese, and the switch turns it to English", async ({ page }) => {
    await page.setViewportSize(phone);
    await signInAs(page, "张伟");
    await expect(page.getByRole("heading", { name: "待办" })).toBeVisible();
    await page.getByRole("link", { name: "待审批" }).first().click();
    await expect(page.getByTestId("inbox-task").first()).toBeVisible();
    await shoot(page, "phone-inbox-zh");
    await page.getByRole("button", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Inbox");
  });
});

test("a token from the identity provider signs in too, with the roles it carries", async ({ page }) => {
  await page.setViewportSize(phone);
  const token = await devToken("frank", ["agent"]);
  await page.goto("/");
  await page.getByText("Sign in with a token").click();
  await page.getByLabel("Bearer token (JWT)").fill("not-a-token");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("not a token");
  await page.getByLabel("Bearer token (JWT)").fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("navigation").getByRole("link", { name: "Pool" })).toBeVisible();
  await expect(page.getByText("frank")).toBeVisible();
  await expect(page.getByRole("navigation").getByRole("link", { name: "Inbox" })).toHaveCount(0);
});
