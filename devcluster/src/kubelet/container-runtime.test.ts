import { describe, expect, it } from "vitest";
import { type ContainerPlan, ContainerRuntime, type PodContext } from "./container-runtime.js";
import { ImageRegistry } from "./images.js";

function plan(extra: Partial<ContainerPlan> = {}): ContainerPlan {
  return {
    name: "app",
    image: "nginx:1.27",
    init: false,
    pullAlways: false,
    env: {},
    memoryBytes: 1 << 28,
    postStartMs: 0,
    preStopMs: 0,
    readyDelayMs: 0,
    neverRestart: false,
    neverReady: false,
    startupFails: false,
    ...extra,
  };
}

function context(extra: Partial<PodContext> = {}): PodContext {
  return {
    podName: "p",
    restartPolicy: "Always",
    images: new ImageRegistry(),
    pulled: new Set(),
    sandbox: () => ({ available: true }),
    onProcessExit: () => {},
    crashBackOffBaseMs: 10_000,
    imageBackOffBaseMs: 10_000,
    ...extra,
  };
}

describe("a container's state over time", () => {
  it("says CreateContainerError, with the reason, when commands cannot be sandboxed", () => {
    const c = new ContainerRuntime(plan({ argv: ["sh", "-c", "exit 0"] }));
    const reason =
      "devcluster does not run container commands: bubblewrap (bwrap) is not installed";
    const next = c.advance(0, context({ sandbox: () => ({ available: false, reason }) }));
    expect(next).toBe(Number.POSITIVE_INFINITY);
    expect(c.view).toEqual({ kind: "waiting", reason: "CreateContainerError", message: reason });
    expect(c.everStarted).toBe(false);
  });

  it("crash-loops with back-off 0, 10 s, 20 s, 40 s between restarts", () => {
    const c = new ContainerRuntime(plan({ simulatedExit: { afterMs: 0, exitCode: 2 } }));
    const ctx = context();
    // First exit: restarted at once; second exit: 10 s back-off.
    expect(c.advance(0, ctx)).toBe(10_000);
    expect(c.restartCount).toBe(1);
    expect(c.view).toMatchObject({ kind: "waiting", reason: "CrashLoopBackOff" });
    expect(c.lastState).toMatchObject({ exitCode: 2, reason: "Error" });
    expect(c.advance(10_000, ctx)).toBe(30_000);
    expect(c.restartCount).toBe(2);
    expect(c.advance(30_000, ctx)).toBe(70_000);
    expect(c.restartCount).toBe(3);
  });

  it("is done, not restarted, when restartPolicy is Never", () => {
    const c = new ContainerRuntime(plan({ simulatedExit: { afterMs: 5000, exitCode: 1 } }));
    const ctx = context({ restartPolicy: "Never" });
    expect(c.advance(0, ctx)).toBe(5000);
    expect(c.view).toMatchObject({ kind: "running", startedAt: 0 });
    c.advance(5000, ctx);
    expect(c.done).toMatchObject({ exitCode: 1, reason: "Error", startedAt: 0, finishedAt: 5000 });
    expect(c.restartCount).toBe(0);
  });

  it("pulls with a delay, and backs off a missing image: ErrImagePull, then ImagePullBackOff", () => {
    const images = new ImageRegistry({ missing: ["nginx:*"], pullDelayMs: 1000 });
    const c = new ContainerRuntime(plan());
    const ctx = context({ images });
    expect(c.advance(0, ctx)).toBe(1000);
    expect(c.view).toMatchObject({ reason: "ContainerCreating" });
    expect(c.advance(1000, ctx)).toBe(3000);
    expect(c.view).toMatchObject({ reason: "ErrImagePull" });
    // The next try starts 10 s after the failure and ends 1 s later.
    expect(c.advance(3000, ctx)).toBe(12_000);
    expect(c.view).toMatchObject({ reason: "ImagePullBackOff" });
    images.configure({ pullDelayMs: 1000 });
    expect(c.advance(11_000, ctx)).toBe(12_000);
    c.advance(12_000, ctx);
    expect(c.view).toMatchObject({ kind: "running", startedAt: 12_000, ready: true });
  });
});
