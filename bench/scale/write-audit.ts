// Counts the writes that reached the server for the Rollouts themselves, split by which part of
// the object changed (status subresource, metadata, spec). One namespace-wide watch from the
// list's resourceVersion: a cross-check of the controller's own request counter, which cannot
// tell a status patch from a metadata patch (both are "rollouts patch").

export interface WriteCounts {
  status: number;
  metadata: number;
  spec: number;
  /** Writes that changed none of the three (a new resourceVersion only). */
  noChange: number;
  /** Watch events that were not MODIFIED (ADDED, DELETED, ERROR, BOOKMARK). */
  other: number;
}

interface Parts {
  statusObject: Record<string, unknown>;
  status: string;
  metadata: string;
  spec: string;
}

function partsOf(obj: unknown): { name: string; parts: Parts } | undefined {
  if (typeof obj !== "object" || obj === null) return undefined;
  const { metadata, status, spec } = obj as {
    metadata?: unknown;
    status?: unknown;
    spec?: unknown;
  };
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const meta = metadata as Record<string, unknown>;
  const name = typeof meta.name === "string" ? meta.name : undefined;
  if (name === undefined) return undefined;
  // The fields the server changes on every write are not the writer's doing.
  const { resourceVersion: _rv, generation: _gen, managedFields: _mf, ...rest } = meta;
  return {
    name,
    parts: {
      statusObject:
        typeof status === "object" && status !== null ? (status as Record<string, unknown>) : {},
      status: JSON.stringify(status ?? null),
      metadata: JSON.stringify(rest),
      spec: JSON.stringify(spec ?? null),
    },
  };
}

export class WriteAudit {
  readonly counts: WriteCounts = { status: 0, metadata: 0, spec: 0, noChange: 0, other: 0 };
  /** Status writes by the set of top-level status fields they changed: where the writes go. */
  readonly statusChanges = new Map<string, number>();
  private readonly last = new Map<string, Parts>();

  /** `items` are the Rollouts as they were when counting starts. */
  constructor(items: readonly unknown[]) {
    for (const item of items) {
      const p = partsOf(item);
      if (p) this.last.set(p.name, p.parts);
    }
  }

  /** One watch event of the Rollout collection. */
  observe(type: string, object: unknown): void {
    const p = partsOf(object);
    if (type !== "MODIFIED" || !p) {
      this.counts.other++;
      if (p && type === "ADDED") this.last.set(p.name, p.parts);
      return;
    }
    const before = this.last.get(p.name);
    this.last.set(p.name, p.parts);
    if (!before) {
      this.counts.other++;
      return;
    }
    if (before.status !== p.parts.status) this.recordStatusChange(before, p.parts);
    let changed = false;
    for (const key of ["status", "metadata", "spec"] as const) {
      if (before[key] !== p.parts[key]) {
        this.counts[key]++;
        changed = true;
      }
    }
    if (!changed) this.counts.noChange++;
  }

  private recordStatusChange(before: Parts, after: Parts): void {
    const keys = new Set([...Object.keys(before.statusObject), ...Object.keys(after.statusObject)]);
    const changed = [...keys]
      .filter(
        (k) => JSON.stringify(before.statusObject[k]) !== JSON.stringify(after.statusObject[k]),
      )
      .sort();
    const phase = String(after.statusObject.phase ?? "");
    const signature = `${changed.join(",")} → ${phase}`;
    this.statusChanges.set(signature, (this.statusChanges.get(signature) ?? 0) + 1);
  }
}
