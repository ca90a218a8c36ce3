import { expect, test } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, devToken, phone, seriousViolations, shoot, signInAs, unique } from "./helpers";

// run_suite.py passes the orders service's URL when the suite runs it
const ordersUrl = process.env.SEALFLOW_ORDERS_URL ?? "";
test.skip(!ordersUrl, "the suite runs no orders service");

const CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A credit code no other run used: 17 random characters and their GB 32100-2015 check character. */
function freshCreditCode(): { good: string; bad: string } {
  const digits = Array.from({ length: 4 }, () => Math.floor(Math.random() * 10)).join("");
  const rest = Array.from({ length: 9 }, () => CHARSET[Math.floor(Math.random() * 31)]).join("");
  const body = `9111${digits}${rest}`;
  const sum = [...body].reduce((acc, ch, i) => acc + CHARSET.indexOf(ch) * (WEIGHTS[i] ?? 0), 0);
  const check = (31 - (sum % 31)) % 31;
  return { good: body + CHARSET[check], bad: body + CHARSET[(check + 1) % 31] };
}

// a one-page PDF (what the item's standard asks for) and a PNG (what it refuses)
// (written by pypdf: a real xref table, or the audit says the PDF is damaged, as it should)
const PDF = Buffer.from(
  "JVBERi0xLjMKJeLjz9MKMSAwIG9iago8PAovUHJvZHVjZXIgKHB5cGRmKQo+PgplbmRvYmoKMiAwIG9iago8PAovVHlwZSAvUGFnZXMKL0NvdW50IDEKL0tpZHMgWyA0IDAgUiBdCj4+CmVuZG9iagozIDAgb2JqCjw8Ci9UeXBlIC9DYXRhbG9nCi9QYWdlcyAyIDAgUgo+PgplbmRvYmoKNCAwIG9iago8PAovVHlwZSAvUGFnZQovUmVzb3VyY2VzIDw8Cj4+Ci9NZWRpYUJveCBbIDAuMCAwLjAgMjAwIDIwMCBdCi9QYXJlbnQgMiAwIFIKPj4KZW5kb2JqCnhyZWYKMCA1CjAwMDAwMDAwMDAgNjU1MzUgZiAKMDAwMDAwMDAxNSAwMDAwMCBuIAowMDAwMDAwMDU0IDAwMDAwIG4gCjAwMDAwMDAxMTMgMDAwMDAgbiAKMDAwMDAwMDE2MiAwMDAwMCBuIAp0cmFpbGVyCjw8Ci9TaXplIDUKL1Jvb3QgMyAwIFIKL0luZm8gMSAwIFIKPj4Kc3RhcnR4cmVmCjI1NgolJUVPRgo=",
  "base64",
);
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

test("an enterprise registers, applies, sees the audit's problems on their fields, fixes them", async ({ page }) => {
  await page.setViewportSize(phone);
  const files = join(tmpdir(), unique("sealflow-e2e"));
  writeFileSync(`${files}.pdf`, PDF);
  writeFileSync(`${files}.png`, PNG);
  const admin = await devToken("admin-e2e", ["admin"]);
  const category = await call<{ id: string }>(`${ordersUrl}/v1/catalog/categories`, admin, "POST", {
    name: unique("工商"),
    description: "Business registration",
  });
  expect(category.status).toBe(201);
  const itemName = unique("营业执照变更");
  const item = await call(`${ordersUrl}/v1/catalog/items`, admin, "POST", {
    name: itemName,
    category_id: category.body.id,
    description: "Change of business licence",
    handling: { steps: ["Fill in the form", "Upload the licence"], location: "Hall A", notes: "Three working days" },
    form_schema: {
      type: "object",
      required: ["company", "capital"],
      properties: {
        company: { type: "string", title: "Company", minLength: 2 },
        capital: { type: "integer", title: "Registered capital", minimum: 1 },
      },
    },
    materials: [
      { key: "licence", name: "Licence", required: true, content_types: ["application/pdf"], max_bytes: 100000, min_pages: 1 },
    ],
    provider: { kind: "internal", ticket_type: "licence" },
    active: true,
  });
  expect(item.status, JSON.stringify(item.body)).toBe(201);

  const code = freshCreditCode();
  await signInAs(page, "Eve Zhao");
  await page.goto("/#/enterprise");
  await page.getByLabel("Enterprise name").fill(unique("Acme 有限公司"));
  await page.getByLabel("Unified social credit code").fill(code.bad);
  await expect(page.locator("#credit-code-check")).toContainText("does not match");
  await page.getByLabel("Unified social credit code").fill(code.good);
  await expect(page.locator("#credit-code-check")).toContainText("check character is right");
  await page.getByLabel(/Business licence/).setInputFiles(`${files}.png`);
  await expect(page.getByRole("button", { name: "Submit" })).toBeEnabled();
  await shoot(page, "phone-register");
  expect(await seriousViolations(page), "register").toEqual([]);
  await page.getByRole("button", { name: "Submit" }).click();
  await expect(page.getByText(code.good)).toBeVisible();
  const pending = await call<{ items: { id: string; credit_code: string }[] }>(
    `${ordersUrl}/v1/enterprises?status=pending`,
    admin,
  );
  const enterprise = pending.body.items.find((e) => e.credit_code === code.good);
  expect(enterprise).toBeDefined();
  const review = await call(`${ordersUrl}/v1/enterprises/${enterprise?.id}/review`, admin, "POST", {
    decision: "verify",
    reason: null,
  });
  expect(review.status).toBe(200);

  await page.goto("/#/catalogue");
  await page.getByRole("link", { name: new RegExp(itemName) }).first().click();
  await expect(page.getByText("Hall A")).toBeVisible();
  await page.getByLabel(/^Company/).fill("A");
  await page.getByLabel(/^Registered capital/).fill("100");
  await page.getByLabel(/Licence/).setInputFiles(`${files}.png`);
  await expect(page.getByText(/✓ .*\.png/)).toBeVisible();
  await page.getByRole("button", { name: "Submit" }).click();
  await expect(page.getByText(/Returned/)).toBeVisible();
  // each problem under its own field, and the fields are marked invalid for assistive technology
  await expect(page.locator("#form-company-problem")).toContainText(/2/);
  await expect(page.getByLabel(/^Company/)).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#material-licence-problem")).toContainText("application/pdf");
  await expect(page.locator("#form-capital-problem")).toHaveCount(0);
  await shoot(page, "phone-application-returned");
  expect(await seriousViolations(page), "returned application").toEqual([]);

  await page.getByLabel(/^Company/).fill("Acme Ltd");
  await page.getByLabel(/Licence/).setInputFiles(`${files}.pdf`);
  await expect(page.getByText(/✓ .*\.pdf/)).toBeVisible();
  await page.getByRole("button", { name: "Submit again" }).click();
  await expect(page.getByText(/Accepted/)).toBeVisible();
  await page.getByRole("link", { name: /Order progress/ }).click();
  await expect(page.locator(".timeline li").first()).toBeVisible();
  await shoot(page, "phone-order");
});
