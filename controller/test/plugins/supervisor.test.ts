import { connectTrafficRouter } from "@sluice/sdk";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { PluginEntry } from "../../src/plugins/registry-types.js";
import { PluginSupervisor } from "../../src/plugins/supervisor.js";
import { waitFor } from "../../src/runtime/test-support.js";
import { alive, IGNORE_SIGTERM, MEMORY_ROUTER, silentLog } from "./support.js";

const entry = (name: string, path: string, sha256?: string): PluginEntry => ({
  kind: "trafficrouter",
  name,
  location: { type: "file", path },
  args: [],
  source: "configmap",
  ...(sha256 === undefined ? {} : { sha256 }),
});

describe("PluginSupervisor", { timeout: 120_000 }, () => {
  let supervisor: PluginSupervisor | undefined;
  afterEach(async () => {
    await supervisor?.stopAll();
  });

  it("restarts a killed child with growing backoff and leaves no process after stopAll", async () => {
    supervisor = new PluginSupervisor({
      log: silentLog,
      initialBackoffMs: 200,
      maxBackoffMs: 2_000,
      graceMs: 2_000,
    });
    const proc = supervisor.processFor("memory", entry("example/memory-router", MEMORY_ROUTER));
    expect(proc.pid).toBeUndefined(); // lazy: nothing runs before first use
    const started = proc.ensureStarted();
    expect(started.ok).toBe(true);
    const client = connectTrafficRouter(proc.address, { timeoutMs: 1_000 });
    try {
      await waitFor(async () => (await client.health()) === "SERVING", { timeoutMs: 30_000 });
      const pids: number[] = [];
      const delays: string[] = [];
      for (let round = 1; round <= 2; round++) {
        const pid = proc.pid;
        if (pid === undefined) throw new Error("child not running");
        pids.push(pid);
        process.kill(pid, "SIGKILL");
        await waitFor(() => proc.restarts === round, {
          timeoutMs: 30_000,
          describe: () => `restarts=${proc.restarts}`,
        });
        delays.push(proc.lastError ?? "");
        await waitFor(() => proc.pid !== undefined && proc.pid !== pid, {
          timeoutMs: 30_000,
          describe: () => `pid=${proc.pid}`,
        });
        // The restarted child serves again on the same address.
        await waitFor(async () => (await client.health()) === "SERVING", { timeoutMs: 30_000 });
      }
      expect(delays).toEqual([
        expect.stringMatching(/exited \(signal SIGKILL\); restarting in 0\.2 s/),
        expect.stringMatching(/restarting in 0\.4 s/),
      ]);
      expect(proc.generation).toBe(3);
      const last = proc.pid;
      if (last !== undefined) pids.push(last);
      await supervisor.stopAll();
      supervisor = undefined;
      for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    } finally {
      client.close();
    }
  });

  it("kills a child that ignores SIGTERM after the grace period", async () => {
    let output = "";
    const log = pino(
      { level: "info" },
      {
        write: (line: string) => {
          output += line;
        },
      },
    );
    supervisor = new PluginSupervisor({ log, graceMs: 300 });
    const proc = supervisor.processFor("stubborn", entry("test/stubborn", IGNORE_SIGTERM));
    proc.ensureStarted();
    const pid = proc.pid;
    if (pid === undefined) throw new Error("child not running");
    // Its first output line (piped into our log under its name) says the handler is installed.
    await waitFor(() => /"plugin":"test\/stubborn".*ignoring SIGTERM/.test(output), {
      timeoutMs: 30_000,
      describe: () => output,
    });
    const t0 = Date.now();
    await supervisor.stopAll();
    supervisor = undefined;
    expect(alive(pid)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("refuses to start an executable whose sha256 differs from the registry's", () => {
    supervisor = new PluginSupervisor({ log: silentLog });
    const proc = supervisor.processFor(
      "pinned",
      entry("example/memory-router", MEMORY_ROUTER, "0".repeat(64)),
    );
    const started = proc.ensureStarted();
    expect(started).toEqual({
      ok: false,
      error: expect.stringMatching(
        /memory-router\.js has sha256 [0-9a-f]{64}, but the registry entry requires 0{64}/,
      ),
    });
    expect(proc.pid).toBeUndefined();
  });

  it("says which file is missing instead of starting nothing", () => {
    supervisor = new PluginSupervisor({ log: silentLog });
    const proc = supervisor.processFor(
      "missing",
      entry("acme/missing", "/nonexistent/acme-router"),
    );
    expect(proc.ensureStarted()).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^cannot start \/nonexistent\/acme-router: ENOENT.*fix its location in argo-rollouts-config$/,
      ),
    });
  });
});
