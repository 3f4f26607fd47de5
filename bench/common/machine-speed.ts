// How fast this machine runs plain JavaScript right now. On a shared VM the same work takes
// up to 1.7 times longer from one minute to the next (another tenant's load), which moves
// every CPU-per-operation figure a benchmark reports by as much. A benchmark reports this
// figure beside its own so two runs are compared only when the machine ran at a like speed.

/** A fixed piece of work: JSON round trips of a small object list, like an API server's. */
function work(): void {
  const sample = {
    items: Array.from({ length: 200 }, (_, i) => ({ i, name: `x${i}`, tags: [1, 2, 3] })),
  };
  for (let k = 0; k < 600; k++) JSON.parse(JSON.stringify(sample));
}

/** CPU milliseconds the fixed work takes now (median of three; lower is faster). */
export function referenceWorkMs(): number {
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[1] ?? 0);
}
