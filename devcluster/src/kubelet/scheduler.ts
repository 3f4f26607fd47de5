/**
 * One timer for every pod: a min-heap of wake-up times keyed by pod. 20,000 pods with probes
 * cost one pending setTimeout, not 20,000 intervals, and a pod whose next transition is known
 * is woken exactly then instead of being polled every probe period.
 */
export class WakeUps {
  private readonly heap: Array<{ at: number; key: string }> = [];
  private readonly due = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(private readonly wake: (key: string) => void) {}

  /** Wakes `key` at `at` (ms since epoch); an earlier wake-up already planned is kept. */
  at(key: string, at: number): void {
    if (this.stopped) return;
    const known = this.due.get(key);
    if (known !== undefined && known <= at) return;
    this.due.set(key, at);
    this.push({ at, key });
    this.arm();
  }

  forget(key: string): void {
    this.due.delete(key);
  }

  get size(): number {
    return this.due.size;
  }

  private push(item: { at: number; key: string }): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (!p || p.at <= item.at) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  private pop(): { at: number; key: string } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (!top || !last || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      let smallestAt = last.at;
      const l = heap[left];
      const r = heap[right];
      if (l && l.at < smallestAt) {
        smallest = left;
        smallestAt = l.at;
      }
      if (r && r.at < smallestAt) smallest = right;
      if (smallest === i) break;
      const child = heap[smallest];
      if (!child) break;
      heap[i] = child;
      i = smallest;
    }
    heap[i] = last;
    return top;
  }

  private arm(): void {
    const next = this.heap[0];
    if (!next || next.at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = setTimeout(() => this.fire(), Math.max(1, next.at - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (;;) {
      const next = this.heap[0];
      if (!next || next.at > now) break;
      this.pop();
      // A stale entry: the key was rescheduled or forgotten since.
      if (this.due.get(next.key) !== next.at) continue;
      this.due.delete(next.key);
      this.wake(next.key);
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.heap.length = 0;
    this.due.clear();
  }
}
