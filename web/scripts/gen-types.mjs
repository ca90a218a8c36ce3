// Types for every service's API from docs/openapi/<service>.json (`make openapi` writes them, a test keeps them current):
// src/api/<service>.gen.ts. A contract change then fails `tsc` wherever the console relied on it.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(web, "..", "docs", "openapi");
if (!existsSync(dir)) {
  console.error("docs/openapi/ is missing: run `make openapi`");
  process.exit(1);
}
const bin = join(web, "node_modules", ".bin", "openapi-typescript");
for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
  const service = file.replace(/\.json$/, "");
  execFileSync(bin, [join(dir, file), "-o", join(web, "src", "api", `${service}.gen.ts`)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  console.log(`types: src/api/${service}.gen.ts`);
}
