import { defineConfig } from "@playwright/test";

// Debian's Chromium, headless; never a downloaded browser. The suite is started by e2e/run_suite.py
// (make test-web), which passes the URLs in the environment.
export default defineConfig({
  testDir: "e2e",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.SEALFLOW_WEB_URL ?? "http://127.0.0.1:8000",
    browserName: "chromium",
    headless: true,
    locale: "en-GB",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    },
    trace: "off",
    screenshot: "only-on-failure",
  },
});
