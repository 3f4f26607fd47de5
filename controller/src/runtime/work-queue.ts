import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

/**
 * Hooks the queue calls so metrics.ts can publish the original's `workqueue_*` series.
 * Every hook receives the queue's name.
 */
export interface WorkQueueMetricsHooks {
  /** A key entered the queue (not counted when it was already waiting). */
  added?(queue: string): void;
  /** The number of keys waiting changed. */
  depth?(queue: string, depth: number): void;
  /** A key was scheduled again after a failure. */
  retried?(queue: string): void;
  /** Seconds a key waited between entering the queue and a worker taking it. */
  queueLatency?(queue: string, seconds: number): void;
  /** Seconds a worker spent on a key. */
  workDuration?(queue: string, seconds: number): void;
}

export interface WorkQueueOptions {
  /** Used as the `name` label of the queue's metrics ("rollouts", "analysisruns"...). */
  name: string;
  /** Backoff for `addRateLimited`; client-go's default controller limiter when absent. */
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetricsHooks;
}

/** What a handler may ask for after a successful pass: look again after this long. */
export type ReconcileResult = undefined | { requeueAfterMs?: number };

/** A reconcile function; returning nothing means "done until something changes". */
export type KeyHandler = (
  key: string,
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers written as `async (key) => {...}` return void
) => Promise<ReconcileResult | void> | ReconcileResult | void;

export interface RunOptions {
  /** Told about every handler failure; the key has already been rescheduled with backoff. */
  onError?: (key: string, error: unknown) => void;
}

/**
 * A queue of object keys shared by N async workers, with the guarantees controllers rely on
 * (the same as client-go's workqueue):
 * - a key waits in the queue at most once, however often it is added;
 * - a key is never handled by two workers at once; a key added while being handled is
 *   handled once more after the current pass finishes;
 * - failures are retried with per-key exponential backoff, and `addAfter` keeps only the
 *   earliest pending timer per key.
 */
export class WorkQueue {
  readonly name: string;
  private readonly rateLimiter: RateLimiter;
  private readonly hooks: WorkQueueMetricsHooks;
  /** FIFO of keys; `head` is the next index to take (compacted now and then). */
  private items: string[] = [];
  private head = 0;
  /** Keys that need a pass: waiting in `items`, or added again while being processed. */
  private readonly dirty = new Map<string, number>();
  /** Keys a worker holds, with the time it took them. */
  private readonly processing = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;
  private drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.hooks = options.metrics ?? {};
  }

  /** Keys waiting for a worker (not counting those being processed). */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Keys being processed right now. */
  get processingCount(): number {
    return this.processing.size;
  }

  /** Keys with a pending `addAfter` timer. */
  get delayedCount(): number {
    return this.timers.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Queue `key` for a pass now. Ignored after shutDown. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.set(key, performance.now());
    this.hooks.added?.(this.name);
    // A key being processed is queued again by `done`, so it never runs twice at once.
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Queue `key` after `delayMs`; if a timer for it is already pending, the earlier one wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    // Timers alone must not keep the process (or a test run) alive.
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Queue `key` after its backoff: call this when a pass over `key` failed. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.hooks.retried?.(this.name);
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Reset `key`'s backoff (its last pass succeeded). Does not remove it from the queue. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** Failures recorded for `key` since it last succeeded. */
  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * Wait for the next key and mark it as processing; undefined once the queue shuts down.
   * Every key returned must be handed back with `done`.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished with `key`; a key added meanwhile goes back in the queue. */
  done(key: string): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.hooks.workDuration?.(this.name, (performance.now() - startedAt) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    if (this.shuttingDown && this.processing.size === 0) this.drained?.();
  }

  /**
   * Run `workers` concurrent loops that take keys and call `handler`. A handler that throws
   * has its key retried with backoff; one that returns `{requeueAfterMs}` is looked at again
   * after that delay. Resolves when the queue has shut down and every loop has exited.
   */
  async run(workers: number, handler: KeyHandler, options: RunOptions = {}): Promise<void> {
    const loop = async (): Promise<void> => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          const result = await handler(key);
          this.forget(key);
          const after = typeof result === "object" ? result.requeueAfterMs : undefined;
          if (after !== undefined && after >= 0) this.addAfter(key, after);
        } catch (error) {
          this.addRateLimited(key);
          options.onError?.(key, error);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
  }

  /**
   * Stop: no more adds are accepted, pending timers and waiting keys are dropped (the next
   * leader re-lists everything, so nothing is lost), idle workers exit, and the returned
   * promise resolves once every key being processed has been handed back with `done`.
   */
  shutDown(): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const { timer } of this.timers.values()) clearTimeout(timer);
      this.timers.clear();
      this.items = [];
      this.head = 0;
      this.dirty.clear();
      this.hooks.depth?.(this.name, 0);
      for (const wake of this.waiters.splice(0)) wake(undefined);
    }
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.drained;
      this.drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  /**
   * Work in flight, for `workqueue_unfinished_work_seconds` and
   * `workqueue_longest_running_processor_seconds`.
   */
  unfinishedWork(): { totalSeconds: number; longestSeconds: number } {
    const now = performance.now();
    let totalSeconds = 0;
    let longestSeconds = 0;
    for (const startedAt of this.processing.values()) {
      const seconds = (now - startedAt) / 1000;
      totalSeconds += seconds;
      longestSeconds = Math.max(longestSeconds, seconds);
    }
    return { totalSeconds, longestSeconds };
  }

  private enqueue(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.markProcessing(key);
      waiter(key);
      return;
    }
    this.items.push(key);
    this.hooks.depth?.(this.name, this.length);
  }

  private take(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head];
    this.head++;
    // Compact once the consumed prefix dominates, so memory stays proportional to the queue.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (key === undefined) return undefined;
    this.hooks.depth?.(this.name, this.length);
    this.markProcessing(key);
    return key;
  }

  private markProcessing(key: string): void {
    const addedAt = this.dirty.get(key);
    this.dirty.delete(key);
    const now = performance.now();
    if (addedAt !== undefined) this.hooks.queueLatency?.(this.name, (now - addedAt) / 1000);
    this.processing.set(key, now);
  }
}
