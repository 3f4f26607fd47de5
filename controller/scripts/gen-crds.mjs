// Writes deploy/crds/*.yaml from the built schemas (run `npx tsc -b controller` first).
// Usage: node controller/scripts/gen-crds.mjs [output-dir]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCrds } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, "../../deploy/crds"));
mkdirSync(outDir, { recursive: true });
for (const [name, text] of renderCrds()) {
  writeFileSync(join(outDir, name), text);
  console.log(`wrote ${join(outDir, name)}`);
}
