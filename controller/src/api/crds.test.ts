import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { JsonSchemaProps } from "./crd-schema.js";
import { prunedFields, structuralViolations, validateAgainstCrdSchema } from "./crd-validate.js";
import { type CustomResourceDefinition, renderCrds } from "./crds.js";
import { loadUpstreamManifests } from "./upstream-manifests.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const crdDir = resolve(repoRoot, "deploy/crds");

function committed(name: string): string {
  try {
    return readFileSync(resolve(crdDir, name), "utf8");
  } catch {
    return `(missing ${resolve(crdDir, name)})`;
  }
}

const crds = new Map<string, CustomResourceDefinition>();
for (const [name] of renderCrds()) {
  const crd = parse(committed(name)) as CustomResourceDefinition | null;
  if (crd?.spec?.names?.kind !== undefined) crds.set(crd.spec.names.kind, crd);
}

function schemaFor(kind: string): JsonSchemaProps {
  const schema = crds.get(kind)?.spec.versions[0]?.schema.openAPIV3Schema;
  if (schema === undefined) throw new Error(`no committed CRD for ${kind} in ${crdDir}`);
  return schema;
}

describe("generated CRDs", () => {
  it.each([...renderCrds()])(
    "deploy/crds/%s is up to date (run `npm run crds -w @sluice/controller`)",
    (name, text) => {
      expect(committed(name)).toBe(text);
    },
  );

  it("has the five kinds with the original's short names and scopes", () => {
    const names = [...crds.values()].map((c) => [
      c.spec.names.kind,
      c.spec.names.shortNames.join(","),
      c.spec.scope,
    ]);
    expect(names.sort()).toEqual([
      ["AnalysisRun", "ar", "Namespaced"],
      ["AnalysisTemplate", "at", "Namespaced"],
      ["ClusterAnalysisTemplate", "cat", "Cluster"],
      ["Experiment", "exp", "Namespaced"],
      ["Rollout", "ro", "Namespaced"],
    ]);
  });

  it("gives Rollout status and scale subresources and kubectl columns", () => {
    const version = crds.get("Rollout")?.spec.versions[0];
    expect(version?.subresources).toEqual({
      status: {},
      scale: {
        specReplicasPath: ".spec.replicas",
        statusReplicasPath: ".status.HPAReplicas",
        labelSelectorPath: ".status.selector",
      },
    });
    expect(version?.additionalPrinterColumns.map((c) => c.name)).toEqual([
      "Desired",
      "Current",
      "Up-to-date",
      "Available",
      "Age",
    ]);
    expect(crds.get("AnalysisRun")?.spec.versions[0]?.subresources).toEqual({ status: {} });
    expect(crds.get("Experiment")?.spec.versions[0]?.subresources).toEqual({ status: {} });
  });

  it.each(["Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment"])(
    "%s schema is structural",
    (kind) => {
      expect(structuralViolations(schemaFor(kind))).toEqual([]);
    },
  );

  it("rejects a Rollout whose setWeight is a string and whose steps are not a list", () => {
    const bad = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "x" },
      spec: { strategy: { canary: { steps: [{ setWeight: "ten" }], maxSurge: true } } },
    };
    expect(validateAgainstCrdSchema(schemaFor("Rollout"), bad).map((e) => e.path)).toEqual([
      "spec.strategy.canary.steps[0].setWeight",
      "spec.strategy.canary.maxSurge",
    ]);
  });

  const docs = loadUpstreamManifests();
  it.each(docs.map((d) => [`${d.file}#${d.index} (${d.kind})`, d] as const))(
    "the committed CRD accepts %s",
    (_name, doc) => {
      expect(validateAgainstCrdSchema(schemaFor(doc.kind), doc.value)).toEqual([]);
    },
  );

  it.each(docs.map((d) => [`${d.file}#${d.index} (${d.kind})`, d] as const))(
    "the committed CRD keeps every field of %s (nothing pruned on apply)",
    (_name, doc) => {
      expect(prunedFields(schemaFor(doc.kind), doc.value)).toEqual([]);
    },
  );
});
