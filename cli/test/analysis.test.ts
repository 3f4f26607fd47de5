// create analysisrun, terminate analysisrun|experiment, list/get/retry experiment, version
// and completion, against devcluster and sluice-controller.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, runCli, startHarness } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.apply(`apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate}
spec:
  args:
    - {name: service}
    - {name: threshold, value: "0.95"}
  metrics:
    - name: rate
      interval: 10s
      successCondition: result[0] >= 0.95
      provider:
        web: {url: "http://127.0.0.1:1/{{args.service}}"}
---
apiVersion: argoproj.io/v1alpha1
kind: Experiment
metadata: {name: exp}
spec:
  duration: 1h
  templates:
    - name: baseline
      replicas: 1
      selector: {matchLabels: {app: exp}}
      template:
        metadata: {labels: {app: exp}}
        spec: {containers: [{name: app, image: "registry.local/app:v1"}]}
`);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

function rec(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

describe("AnalysisRuns from templates", () => {
  it("creates a run with the template's metrics and the given arguments, then terminates it", async () => {
    const created = await h.cli(
      "create",
      "analysisrun",
      "--from",
      "success-rate",
      "--name",
      "manual",
      "--argument",
      "service=checkout",
    );
    expect(created).toEqual({
      code: 0,
      stdout: "analysisrun.argoproj.io/manual created\n",
      stderr: "",
    });
    const run = await h.get("analysisruns", "manual");
    expect(rec(run.spec).args).toEqual([
      { name: "service", value: "checkout" },
      { name: "threshold", value: "0.95" },
    ]);
    expect(rec(run.spec).metrics).toHaveLength(1);

    const terminated = await h.cli("terminate", "analysisrun", "manual");
    expect(terminated).toEqual({
      code: 0,
      stdout: "analysisrun 'manual' terminated\n",
      stderr: "",
    });
    expect(rec((await h.get("analysisruns", "manual")).spec).terminate).toBe(true);

    const generated = await h.cli(
      "create",
      "analysisrun",
      "--from",
      "success-rate",
      "-a",
      "service=x",
    );
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(
      /^analysisrun\.argoproj\.io\/success-rate-[a-z0-9]+ created\n$/,
    );
  }, 120_000);

  it("says which argument is missing or unknown, and which template does not exist", async () => {
    expect(await h.cli("create", "analysisrun", "--from", "success-rate")).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'Error: template "success-rate" needs argument "service": pass --argument service=VALUE\n',
    });
    expect(
      await h.cli(
        "create",
        "analysisrun",
        "--from",
        "success-rate",
        "-a",
        "service=x",
        "-a",
        "colour=red",
      ),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr: 'Error: argument "colour" is not declared by template "success-rate"\n',
    });
    expect(await h.cli("create", "analysisrun", "--from", "nope")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'Error: analysistemplates.argoproj.io "nope" not found\n',
    });
    expect(await h.cli("terminate", "analysisrun", "nope")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'Error: analysisruns.argoproj.io "nope" not found\n',
    });
  }, 120_000);
});

describe("Experiments", () => {
  it("lists, shows, terminates and retries an experiment", async () => {
    const list = await h.cli("list", "experiments");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +STATUS +AGE\nexp +\w+ +(\d+[dhm])*\d+s\n$/);

    const get = await h.cli("get", "experiment", "exp");
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^Name: +exp\nNamespace: +default\nStatus: +. \w+\n/);
    expect(get.stdout).toMatch(/^Σ exp +Experiment +. \w+ +(\d+[dhm])*\d+s$/m);
    expect(get.stdout).not.toContain("\x1b");

    const terminated = await h.cli("terminate", "experiment", "exp");
    expect(terminated).toEqual({ code: 0, stdout: "experiment 'exp' terminated\n", stderr: "" });
    expect(rec((await h.get("experiments", "exp")).spec).terminate).toBe(true);

    const retried = await h.cli("retry", "experiment", "exp");
    expect(retried).toEqual({ code: 0, stdout: "experiment 'exp' retried\n", stderr: "" });
    expect(await h.cli("get", "experiment", "nope")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'Error: experiments.argoproj.io "nope" not found\n',
    });
  }, 120_000);

  it("list prints kubectl's message when there is nothing", async () => {
    const result = await h.cli("list", "rollouts", "-n", "empty");
    expect(result).toEqual({
      code: 0,
      stdout: "",
      stderr: "No resources found in empty namespace.\n",
    });
  }, 60_000);
});

describe("version and completion", () => {
  it("print without a cluster", async () => {
    const version = await runCli(["version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^sluice: v\d+\.\d+\.\d+\n {2}NodeVersion: v\d+/);
    const bash = await runCli(["completion", "bash"]);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain("complete -F _sluice sluice");
    expect(bash.stdout).toContain(
      "get list promote abort retry pause restart set undo status lint create terminate version completion",
    );
    const zsh = await runCli(["completion", "zsh"]);
    expect(zsh.stdout.startsWith("#compdef sluice\n")).toBe(true);
    expect(await runCli(["completion", "fish"])).toEqual({
      code: 1,
      stdout: "",
      stderr: 'Error: completion needs a shell: "completion bash" or "completion zsh"\n',
    });
  }, 60_000);
});
