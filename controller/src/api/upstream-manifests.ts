// Reads the original's end-to-end manifests (../shared/testdata/upstream-e2e beside the repo)
// for tests: every document of one of our five kinds.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const UPSTREAM_E2E_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/testdata/upstream-e2e",
);

const KINDS = new Set([
  "Rollout",
  "AnalysisTemplate",
  "ClusterAnalysisTemplate",
  "AnalysisRun",
  "Experiment",
]);

export interface ManifestDocument {
  /** Path relative to the testdata folder. */
  file: string;
  /** Position of the document in its file. */
  index: number;
  kind: string;
  value: unknown;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

/** Throws with the expected location when the folder is missing. */
export function loadUpstreamManifests(dir = UPSTREAM_E2E_DIR): ManifestDocument[] {
  if (!existsSync(dir)) {
    throw new Error(
      `the original's e2e manifests are missing: expected them at ${dir} (../shared/testdata/upstream-e2e from the repo root)`,
    );
  }
  const docs: ManifestDocument[] = [];
  for (const file of yamlFiles(dir)) {
    parseAllDocuments(readFileSync(file, "utf8")).forEach((doc, index) => {
      if (doc.errors.length > 0)
        throw new Error(`${file} document ${index}: ${doc.errors[0]?.message}`);
      const value: unknown = doc.toJS();
      if (typeof value !== "object" || value === null) return;
      const kind = (value as { kind?: unknown }).kind;
      if (typeof kind === "string" && KINDS.has(kind))
        docs.push({ file: relative(dir, file), index, kind, value });
    });
  }
  return docs;
}
