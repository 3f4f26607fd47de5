import { afterEach, describe, expect, it, vi } from "vitest";
import { ItemExponentialRateLimiter } from "./rate-limiter.js";
import { deferred, waitFor } from "./test-support.js";
import { WorkQueue } from "./work-queue.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("WorkQueue", () => {
  it("keeps one copy of a key however often it is added, in first-added order", async () => {
    const queue = new WorkQueue({ name: "rollouts" });
    for (const key of ["default/a", "default/b", "default/a", "default/c", "default/b"]) {
      queue.add(key);
    }
    expect(queue.length).toBe(3);
    const taken = [await queue.get(), await queue.get(), await queue.get()];
    expect(taken).toEqual(["default/a", "default/b", "default/c"]);
    expect(queue.length).toBe(0);
  });

  it("never hands a key to two workers at once, and runs it once more if added meanwhile", async () => {
    const queue = new WorkQueue({ name: "rollouts" });
    const release = deferred();
    let running = 0;
    let maxRunning = 0;
    let passes = 0;
    const run = queue.run(4, async (key) => {
      expect(key).toBe("default/web");
      running++;
      maxRunning = Math.max(maxRunning, running);
      passes++;
      if (passes === 1) await release.promise;
      running--;
      return undefined;
    });
    queue.add("default/web");
    await waitFor(() => passes === 1, { describe: () => `passes=${passes}` });
    // Three adds while the first pass runs collapse into exactly one more pass.
    queue.add("default/web");
    queue.add("default/web");
    queue.add("default/web");
    expect(queue.processingCount).toBe(1);
    release.resolve();
    await waitFor(() => passes === 2 && queue.processingCount === 0, {
      describe: () => `passes=${passes} processing=${queue.processingCount}`,
    });
    expect(maxRunning).toBe(1);
    await queue.shutDown();
    await run;
    expect(passes).toBe(2);
  });

  it("spreads different keys over the workers", async () => {
    const queue = new WorkQueue({ name: "rollouts" });
    const release = deferred();
    const started = new Set<string>();
    const run = queue.run(3, async (key) => {
      started.add(key);
      await release.promise;
      return undefined;
    });
    for (const key of ["a", "b", "c", "d"]) queue.add(key);
    await waitFor(() => started.size === 3, { describe: () => [...started].join(",") });
    expect(queue.length).toBe(1);
    release.resolve();
    await waitFor(() => started.size === 4, { describe: () => [...started].join(",") });
    await queue.shutDown();
    await run;
  });

  it("retries a failing key with growing backoff and resets it after success", async () => {
    const queue = new WorkQueue({
      name: "rollouts",
      rateLimiter: new ItemExponentialRateLimiter(5, 1_000),
    });
    const attempts: number[] = [];
    const errors: string[] = [];
    const run = queue.run(
      1,
      async (key) => {
        attempts.push(Date.now());
        if (attempts.length < 4) throw new Error(`transient failure on ${key}`);
        return undefined;
      },
      { onError: (_key, error) => errors.push(String(error)) },
    );
    queue.add("default/web");
    await waitFor(() => attempts.length === 4, { describe: () => `${attempts.length} attempts` });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain("transient failure on default/web");
    await waitFor(() => queue.numRequeues("default/web") === 0, {
      describe: () => `requeues=${queue.numRequeues("default/web")}`,
    });
    // Backoffs were 5, 10, 20 ms: the retries span at least 35 ms.
    const first = attempts[0] ?? 0;
    const last = attempts[3] ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(30);
    await queue.shutDown();
    await run;
  });

  it("requeues after the delay a handler asks for", async () => {
    const queue = new WorkQueue({ name: "rollouts" });
    let passes = 0;
    const run = queue.run(1, async () => {
      passes++;
      return passes === 1 ? { requeueAfterMs: 20 } : undefined;
    });
    queue.add("default/web");
    await waitFor(() => passes === 2, { describe: () => `passes=${passes}` });
    await queue.shutDown();
    await run;
  });

  it("addAfter keeps only the earliest pending timer per key", () => {
    vi.useFakeTimers();
    const queue = new WorkQueue({ name: "rollouts" });
    queue.addAfter("k", 10_000);
    queue.addAfter("k", 2_000);
    queue.addAfter("k", 5_000);
    expect(queue.delayedCount).toBe(1);
    vi.advanceTimersByTime(1_999);
    expect(queue.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.length).toBe(1);
    vi.advanceTimersByTime(20_000);
    // The later timers were replaced, not left to fire: still one copy, no timers left.
    expect(queue.length).toBe(1);
    expect(queue.delayedCount).toBe(0);
  });

  it("reports depth and latency through the metrics hooks", async () => {
    const depths: number[] = [];
    let adds = 0;
    let retries = 0;
    const latencies: number[] = [];
    const queue = new WorkQueue({
      name: "analysisruns",
      metrics: {
        added: () => adds++,
        depth: (name, depth) => {
          expect(name).toBe("analysisruns");
          depths.push(depth);
        },
        retried: () => retries++,
        queueLatency: (_name, seconds) => latencies.push(seconds),
      },
    });
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(adds).toBe(2);
    expect(depths.at(-1)).toBe(2);
    const key = await queue.get();
    expect(depths.at(-1)).toBe(1);
    expect(latencies).toHaveLength(1);
    queue.addRateLimited(key ?? "");
    expect(retries).toBe(1);
    queue.done(key ?? "");
    await queue.shutDown();
    expect(depths.at(-1)).toBe(0);
  });

  it("shutDown waits for work in flight, drops waiting keys and refuses new ones", async () => {
    const queue = new WorkQueue({ name: "rollouts" });
    const release = deferred();
    const handled: string[] = [];
    const run = queue.run(1, async (key) => {
      handled.push(key);
      if (key === "slow") await release.promise;
      return undefined;
    });
    queue.add("slow");
    queue.add("waiting");
    await waitFor(() => handled.length === 1, { describe: () => handled.join(",") });
    let stopped = false;
    const stopping = queue.shutDown().then(() => {
      stopped = true;
    });
    queue.add("late");
    queue.addAfter("later", 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    await run;
    expect(handled).toEqual(["slow"]);
    expect(queue.length).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it("tracks unfinished work for stuck-worker metrics", async () => {
    const queue = new WorkQueue({ name: "rollouts" });
    queue.add("k");
    const key = await queue.get();
    expect(queue.unfinishedWork().longestSeconds).toBeGreaterThanOrEqual(0);
    await waitFor(() => queue.unfinishedWork().longestSeconds > 0.01, {
      describe: () => JSON.stringify(queue.unfinishedWork()),
    });
    queue.done(key ?? "");
    expect(queue.unfinishedWork()).toEqual({ totalSeconds: 0, longestSeconds: 0 });
  });
});
