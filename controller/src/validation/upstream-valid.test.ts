// The original's e2e Rollouts pass validation (spec §8), both without cluster context and with
// the Services, Ingresses, VirtualServices and AnalysisTemplates that sit in the same file,
// except the one its suite uses to provoke InvalidSpec.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { AnalysisTemplate } from "../api/analysis.js";
import { parseAnalysisTemplate, parseRollout } from "../api/parse.js";
import { loadUpstreamManifests, UPSTREAM_E2E_DIR } from "../api/upstream-manifests.js";
import { validateRollout } from "./rollout.js";
import { invalidSpecMessage, type ValidationContext } from "./types.js";

const EXPECTED_INVALID: Record<string, string> = {
  "inline/workloadref-invalid-template.yaml":
    'The Rollout "rollout-ref-deployment" is invalid: spec.template: Internal error: template must be empty for workload reference rollout',
};

function nameOf(doc: unknown): string {
  const meta = (doc as { metadata?: { name?: unknown } }).metadata;
  return typeof meta?.name === "string" ? meta.name : "";
}

/** Context made of the objects in the same file; a kind absent from the file is not checked. */
function fileContext(file: string): ValidationContext {
  const docs = parseAllDocuments(readFileSync(join(UPSTREAM_E2E_DIR, file), "utf8"))
    .map((d) => d.toJS() as unknown)
    .filter((d): d is { kind: string } => typeof d === "object" && d !== null);
  const byKind = (kind: string) => {
    const found = docs.filter((d) => d.kind === kind);
    return found.length === 0
      ? undefined
      : new Map<string, unknown>(found.map((d) => [nameOf(d), d]));
  };
  const templates = docs.flatMap((d) => {
    const parsed = d.kind === "AnalysisTemplate" ? parseAnalysisTemplate(d) : undefined;
    return parsed?.ok ? [parsed.value] : [];
  });
  const ctx: ValidationContext = {};
  const services = byKind("Service");
  const ingresses = byKind("Ingress");
  const virtualServices = byKind("VirtualService");
  if (services) ctx.services = services;
  if (ingresses) ctx.ingresses = ingresses;
  if (virtualServices) ctx.virtualServices = virtualServices;
  if (templates.length > 0) {
    ctx.analysisTemplates = new Map<string, AnalysisTemplate>(
      templates.map((t) => [t.metadata.name ?? "", t]),
    );
  }
  return ctx;
}

describe("validateRollout on the original's e2e Rollouts", () => {
  const rollouts = loadUpstreamManifests().filter((d) => d.kind === "Rollout");

  it.each(rollouts.map((d) => [d.file, d.value] as const))("%s", (file, value) => {
    const parsed = parseRollout(value);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const name = parsed.value.metadata.name ?? "";
    const render = (ctx: ValidationContext) => {
      const error = validateRollout(parsed.value, ctx);
      return error && invalidSpecMessage(name, error);
    };
    expect(render({})).toBe(EXPECTED_INVALID[file]);
    expect(render(fileContext(file))).toBe(EXPECTED_INVALID[file]);
  });

  it("uses cluster context for most of them", () => {
    const withContext = rollouts.filter((d) => Object.keys(fileContext(d.file)).length > 0);
    expect(withContext.length).toBeGreaterThan(30);
  });
});
