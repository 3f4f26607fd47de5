// Every rollout command of the CLI against devcluster and sluice-controller: output, exit
// codes, and what the command changed in the cluster.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryRollout, type Harness, startHarness, waitForRollout } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const ESC = "\x1b";

describe("a canary rollout driven with the CLI", () => {
  it("reports Healthy with status, get and list once the first revision is up", async () => {
    await h.apply(canaryRollout("demo", "registry.local/app:v1"));
    const status = await h.cli("status", "demo", "--timeout", "60s");
    expect(status.stderr).toBe("");
    expect(status.stdout.trim().split("\n").at(-1)).toBe("Healthy");
    expect(status.code).toBe(0);

    const get = await h.cli("get", "rollout", "demo");
    expect(get.code).toBe(0);
    expect(get.stdout).not.toContain(ESC);
    const lines = get.stdout.split("\n");
    expect(lines.slice(0, 7)).toEqual([
      "Name:            demo",
      "Namespace:       default",
      "Status:          ✔ Healthy",
      "Strategy:        Canary",
      "  Step:          4/4",
      "  SetWeight:     100",
      "  ActualWeight:  100",
    ]);
    expect(get.stdout).toContain("Images:          registry.local/app:v1 (stable)\n");
    expect(get.stdout).toContain(
      "  Desired:       3\n  Current:       3\n  Updated:       3\n  Ready:         3\n  Available:     3\n",
    );
    expect(get.stdout).toMatch(/^NAME +KIND +STATUS +AGE +INFO$/m);
    expect(get.stdout).toMatch(/^⟳ demo +Rollout +✔ Healthy +\d+s$/m);
    expect(get.stdout).toMatch(/^└──# revision:1$/m);
    expect(get.stdout).toMatch(/^ {3}└──⧉ demo-[a-z0-9]+ +ReplicaSet +✔ Healthy +\d+s +stable$/m);
    expect(
      get.stdout.match(
        /^ {6}[├└]──□ demo-[a-z0-9]+-[a-z0-9]+ +Pod +✔ Running +\d+s +ready:1\/1$/gm,
      ),
    ).toHaveLength(3);

    const list = await h.cli("list", "rollouts");
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(
      /^NAME +STRATEGY +STATUS +STEP +SET-WEIGHT +READY +DESIRED +UP-TO-DATE +AVAILABLE$/,
    );
    expect(list.stdout).toMatch(/^demo +Canary +Healthy +4\/4 +100 +3\/3 +3 +3 +3$/m);
    const all = await h.cli("list", "rollouts", "-A");
    expect(all.stdout).toMatch(/^NAMESPACE +NAME +STRATEGY/);
    expect(all.stdout).toMatch(/^default +demo +Canary +Healthy/m);
  }, 240_000);

  it("set image starts revision 2 and stops at the pause; status without --watch says so", async () => {
    const set = await h.cli("set", "image", "demo", "app=registry.local/app:v2");
    expect(set).toEqual({ code: 0, stdout: 'rollout "demo" image updated\n', stderr: "" });
    await waitForRollout(
      h,
      "demo",
      "paused at step 1",
      (s) => s.phase === "Paused" && s.step === 1,
    );

    const get = await h.cli("get", "rollout", "demo");
    expect(get.stdout).toContain("Status:          ॥ Paused\n");
    expect(get.stdout).toContain("Message:         CanaryPauseStep\n");
    expect(get.stdout).toContain("  Step:          1/4\n  SetWeight:     34\n");
    expect(get.stdout).toContain("registry.local/app:v1 (stable)\n");
    expect(get.stdout).toContain("                 registry.local/app:v2 (canary)\n");
    expect(get.stdout).toMatch(
      /^├──# revision:2\n│ {2}└──⧉ demo-[a-z0-9]+ +ReplicaSet +✔ Healthy +\d+s +canary$/m,
    );

    const once = await h.cli("status", "demo", "--watch=false");
    expect(once).toEqual({ code: 0, stdout: "Paused - CanaryPauseStep\n", stderr: "" });
    const timedOut = await h.cli("status", "demo", "--timeout", "1s");
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toBe("Paused - CanaryPauseStep\n");
    expect(timedOut.stderr).toBe("Error: The rollout status watch exceeded the timeout\n");
  }, 240_000);

  it("promote moves to the next pause, promote --full finishes the update", async () => {
    const promote = await h.cli("promote", "demo");
    expect(promote).toEqual({ code: 0, stdout: "rollout 'demo' promoted\n", stderr: "" });
    await waitForRollout(
      h,
      "demo",
      "paused at step 3",
      (s) => s.phase === "Paused" && s.step === 3,
    );
    const full = await h.cli("promote", "demo", "--full");
    expect(full).toEqual({ code: 0, stdout: "rollout 'demo' fully promoted\n", stderr: "" });
    const status = await h.cli("status", "demo", "--timeout", "60s");
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split("\n").at(-1)).toBe("Healthy");
    const get = await h.cli("get", "rollout", "demo");
    expect(get.stdout).toContain("Images:          registry.local/app:v2 (stable)\n");
  }, 240_000);

  it("abort makes the rollout Degraded (status exits 1); retry starts the update again", async () => {
    await h.cli("set", "image", "demo", "app=registry.local/app:v3");
    await waitForRollout(
      h,
      "demo",
      "paused at step 1",
      (s) => s.phase === "Paused" && s.step === 1,
    );
    const abort = await h.cli("abort", "demo");
    expect(abort).toEqual({ code: 0, stdout: "rollout 'demo' aborted\n", stderr: "" });
    await waitForRollout(h, "demo", "Degraded after abort", (s) => s.phase === "Degraded");
    const status = await h.cli("status", "demo");
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(
      /^Error: The rollout is in a degraded state with message: RolloutAborted.*\n$/,
    );

    const retry = await h.cli("retry", "rollout", "demo");
    expect(retry).toEqual({ code: 0, stdout: "rollout 'demo' retried\n", stderr: "" });
    await waitForRollout(
      h,
      "demo",
      "paused at step 1 again",
      (s) => s.phase === "Paused" && s.step === 1,
    );

    const full = await h.cli("promote", "demo", "--full");
    expect(full.code).toBe(0);
    const healthy = await h.cli("status", "demo", "--timeout", "60s");
    expect(healthy).toMatchObject({ code: 0, stderr: "" });
  }, 240_000);

  it("undo rolls the previous revision's template out again", async () => {
    const undo = await h.cli("undo", "demo");
    expect(undo).toEqual({ code: 0, stdout: "rollout 'demo' undo\n", stderr: "" });
    await waitForRollout(
      h,
      "demo",
      "paused at step 1 with v2",
      (s) => s.phase === "Paused" && s.step === 1,
    );
    const get = await h.cli("get", "rollout", "demo");
    expect(get.stdout).toContain(
      "Images:          registry.local/app:v3 (stable)\n                 registry.local/app:v2 (canary)\n",
    );
    const full = await h.cli("promote", "demo", "--full");
    expect(full.code).toBe(0);
    const healthy = await h.cli("status", "demo", "--timeout", "60s");
    expect(healthy).toMatchObject({ code: 0, stderr: "" });
  }, 240_000);

  it("pause and restart patch the rollout", async () => {
    const pause = await h.cli("pause", "demo");
    expect(pause).toEqual({ code: 0, stdout: "rollout 'demo' paused\n", stderr: "" });
    await waitForRollout(h, "demo", "spec.paused", (s) => s.paused === true);
    const promote = await h.cli("promote", "demo");
    expect(promote.code).toBe(0);
    await waitForRollout(h, "demo", "unpaused", (s) => s.paused !== true);
    const restart = await h.cli("restart", "demo");
    expect(restart).toEqual({ code: 0, stdout: "rollout 'demo' restarts in 0s\n", stderr: "" });
    await waitForRollout(h, "demo", "spec.restartAt set", (s) => typeof s.restartAt === "string");
  }, 240_000);
});

describe("user mistakes: one line on stderr, non-zero exit", () => {
  it.each([
    [["get", "rollout", "nope"], 'Error: rollouts.argoproj.io "nope" not found'],
    [["promote", "nope"], 'Error: rollouts.argoproj.io "nope" not found'],
    [["status", "nope"], 'Error: rollouts.argoproj.io "nope" not found'],
    [
      ["set", "image", "demo", "app"],
      'Error: invalid "app": expected CONTAINER=IMAGE (use *=IMAGE for every container)',
    ],
    [["abort", "demo", "--full"], 'Error: unknown flag --full for "abort"; see abort --help'],
    [["get", "rollout", "demo", "--bogus"], "Error: unknown flag --bogus; see --help"],
    [["frobnicate"], 'Error: unknown command "frobnicate"; run sluice --help'],
    [
      ["undo", "demo", "--to-revision", "x"],
      'Error: invalid --to-revision "x": expected a whole number',
    ],
    [
      ["undo", "demo", "--to-revision", "99"],
      "Error: unable to find specified revision 99 in history",
    ],
  ])("%j", async (args, message) => {
    const result = await h.cli(...args);
    expect(result.stderr).toBe(`${message}\n`);
    expect(result.code).toBe(1);
  });

  it("says the cluster cannot be reached when nothing listens", async () => {
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const path = join(h.dataDir, "unreachable.kubeconfig");
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`,
    );
    const { runCli } = await import("./harness.js");
    const result = await runCli(["list", "rollouts", "--kubeconfig", path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Error: cannot reach the cluster at https:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\); check --kubeconfig and --context, and that the API server is running\n$/,
    );
    const context = await h.cli("list", "rollouts", "--context", "other");
    expect(context.code).toBe(1);
    expect(context.stderr).toMatch(
      /^Error: context "other" is not in the kubeconfig \(known: .+\)\n$/,
    );
  });
});
