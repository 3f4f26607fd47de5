import { describe, expect, it } from "vitest";
import { failureRecordedAt, firstPassAt, hookSleepMs, probeTiming } from "./probes.js";
import { WakeUps } from "./scheduler.js";

describe("probe timing", () => {
  it("uses Kubernetes' defaults and computes when a probe passes or is declared failed", () => {
    const defaults = probeTiming({ httpGet: { port: 80 } });
    expect(defaults).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      successThreshold: 1,
      failureThreshold: 3,
      timeoutMs: 1000,
    });
    const probe = probeTiming({
      initialDelaySeconds: 5,
      periodSeconds: 2,
      successThreshold: 3,
      failureThreshold: 2,
      timeoutSeconds: 1,
    });
    if (!probe) throw new Error("probe did not parse");
    expect(firstPassAt(0, probe)).toBe(9000); // probes at 5, 7, 9 s
    // Failing from 6 s: probes at 7 and 9 s fail, the second one times out at 10 s.
    expect(failureRecordedAt(0, probe, 6000)).toBe(10_000);
  });

  it("reads the sleep of an exec hook or a sleep action", () => {
    expect(hookSleepMs({ exec: { command: ["sh", "-c", "echo bye && sleep 3"] } })).toBe(3000);
    expect(hookSleepMs({ exec: { command: ["/bin/sleep", "1.5"] } })).toBe(1500);
    expect(hookSleepMs({ sleep: { seconds: 4 } })).toBe(4000);
    expect(hookSleepMs({ exec: { command: ["nginx", "-s", "quit"] } })).toBe(0);
    expect(hookSleepMs(undefined)).toBe(0);
  });
});

describe("the wake-up heap", () => {
  it("wakes each key once, in time order, keeping the earliest time asked", async () => {
    const woken: string[] = [];
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const wakeUps = new WakeUps((key) => {
      woken.push(key);
      if (woken.length === 3) resolveDone();
    });
    const now = Date.now();
    wakeUps.at("c", now + 60);
    wakeUps.at("a", now + 20);
    wakeUps.at("b", now + 40);
    wakeUps.at("a", now + 500); // later than already planned: ignored
    wakeUps.at("forgotten", now + 10);
    wakeUps.forget("forgotten");
    await done;
    expect(woken).toEqual(["a", "b", "c"]);
    expect(wakeUps.size).toBe(0);
    wakeUps.stop();
  });
});
