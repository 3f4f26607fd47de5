// lint -f: the original's e2e manifests all pass except the one its suite uses to provoke
// InvalidSpec; problems name the file, the object and the field path; exit 1 on problems.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lintText } from "../src/commands/lint.js";
import { repoRoot, runCli } from "./harness.js";

const UPSTREAM = join(repoRoot, "..", "shared", "testdata", "upstream-e2e");
/** Meant to be invalid: the original's suite applies it to see InvalidSpec. */
const INVALID = "inline/workloadref-invalid-template.yaml";

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

const files = yamlFiles(UPSTREAM).map((path) => relative(UPSTREAM, path));
const scratch = mkdtempSync(join(tmpdir(), "sluice-lint-"));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("lint over the original's e2e manifests", () => {
  it("finds the manifests", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain(INVALID);
  });

  it.each(files.filter((f) => f !== INVALID))("%s passes", (file) => {
    const { problems } = lintText(readFileSync(join(UPSTREAM, file), "utf8"));
    expect(problems).toEqual([]);
  });

  it("checks objects of our kinds in most files (not only Services)", () => {
    const total = files.reduce(
      (n, f) => n + lintText(readFileSync(join(UPSTREAM, f), "utf8")).checked,
      0,
    );
    expect(total).toBeGreaterThan(files.length);
  });

  it("the binary accepts a valid file and rejects the invalid one with the controller's message", async () => {
    const valid = join(UPSTREAM, "functional", "rollout-bluegreen.yaml");
    const ok = await runCli(["lint", "-f", valid]);
    expect(ok).toEqual({ code: 0, stdout: `${valid}: 1 object valid\n`, stderr: "" });

    const invalid = join(UPSTREAM, INVALID);
    const bad = await runCli(["lint", "-f", invalid]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe(
      `${invalid}: document 2 (Rollout rollout-ref-deployment): spec.template: Internal error: template must be empty for workload reference rollout\n` +
        `Error: ${invalid}: 1 problem found\n`,
    );
  }, 60_000);
});

describe("lint on user mistakes", () => {
  it("lists every problem with its field path, including schema errors and references", async () => {
    const file = join(scratch, "mistakes.yaml");
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
  strategy:
    canary:
      canaryService: missing-svc
      stableService: web-stable
      steps: [{setWeight: 150}]
---
apiVersion: v1
kind: Service
metadata: {name: web-stable}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: t}
spec: {metrics: [{name: 3}]}
`,
    );
    const result = await runCli(["lint", "-f", file]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toContain(
      `${file}: document 1 (Rollout web): spec.strategy.canary.steps[0].setWeight: Invalid value: 150: SetWeight needs to be between 0 and 100`,
    );
    expect(
      lines.some(
        (l) => l.startsWith(`${file}: document 1 (Rollout web): `) && l.includes("missing-svc"),
      ),
    ).toBe(true);
    expect(lines).toContain(
      `${file}: document 3 (AnalysisTemplate t): invalid AnalysisTemplate t: spec.metrics[0].provider: Expected required property; spec.metrics[0].name: Expected string`,
    );
    expect(lines.at(-1)).toMatch(new RegExp(`^Error: ${file}: \\d+ problems found$`));
  }, 60_000);

  it("reports broken YAML and missing files in one line each", async () => {
    const file = join(scratch, "broken.yaml");
    writeFileSync(file, "kind: Rollout\nmetadata: {name: [\n");
    const broken = await runCli(["lint", "-f", file]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      new RegExp(`^${file}: document 1: invalid YAML: .+\\nError: ${file}: 1 problem found\\n$`),
    );

    const missing = await runCli(["lint", "-f", join(scratch, "nope.yaml")]);
    expect(missing).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: cannot read ${join(scratch, "nope.yaml")}: no such file\n`,
    });
    const noFile = await runCli(["lint"]);
    expect(noFile).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: lint needs a file: lint -f FILE\n",
    });
  }, 60_000);
});
