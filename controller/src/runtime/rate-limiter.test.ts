import { describe, expect, it } from "vitest";
import {
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from "./rate-limiter.js";

describe("ItemExponentialRateLimiter", () => {
  it("doubles per failure from 5 ms and caps at 1000 s, per key", () => {
    const limiter = new ItemExponentialRateLimiter();
    const delays = Array.from({ length: 5 }, () => limiter.when("default/web"));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(limiter.when("default/api")).toBe(5);
    for (let i = 0; i < 40; i++) limiter.when("default/web");
    expect(limiter.when("default/web")).toBe(1_000_000);
    expect(limiter.numRequeues("default/web")).toBe(46);
  });

  it("starts over after forget", () => {
    const limiter = new ItemExponentialRateLimiter(100, 1_000);
    limiter.when("k");
    limiter.when("k");
    limiter.forget("k");
    expect(limiter.numRequeues("k")).toBe(0);
    expect(limiter.when("k")).toBe(100);
  });
});

describe("TokenBucketRateLimiter", () => {
  it("lets a burst through, then spaces retries at the configured rate", () => {
    let now = 0;
    const bucket = new TokenBucketRateLimiter(10, 3, () => now);
    expect([bucket.when("a"), bucket.when("b"), bucket.when("c")]).toEqual([0, 0, 0]);
    expect(bucket.when("d")).toBe(100);
    expect(bucket.when("e")).toBe(200);
    now = 1_000;
    // One second refilled ten tokens, minus the two borrowed, capped at the burst.
    expect(bucket.when("f")).toBe(0);
  });
});

describe("defaultControllerRateLimiter", () => {
  it("uses the longer of per-key backoff and the shared bucket", () => {
    const limiter = defaultControllerRateLimiter({ qps: 1, burst: 1 });
    expect(limiter.when("x")).toBe(5);
    // The bucket is empty now: the second retry waits for the next token (about 1 s).
    expect(limiter.when("y")).toBeGreaterThan(900);
    expect(limiter.numRequeues("x")).toBe(1);
  });

  it("MaxOfRateLimiter forgets in every limiter", () => {
    const a = new ItemExponentialRateLimiter(1, 100);
    const b = new ItemExponentialRateLimiter(2, 100);
    const both = new MaxOfRateLimiter(a, b);
    expect(both.when("k")).toBe(2);
    expect(both.when("k")).toBe(4);
    both.forget("k");
    expect(a.numRequeues("k")).toBe(0);
    expect(b.numRequeues("k")).toBe(0);
  });
});
