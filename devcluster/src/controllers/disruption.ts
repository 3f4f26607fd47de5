import type { Logger } from "pino";
import { budgetState, budgetStatus, PDB_KEY } from "../api/disruption.js";
import { timestamp } from "../api/metadata.js";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual } from "../api/types.js";
import { splitKey, WorkQueue } from "./work-queue.js";

/** Keeps each PodDisruptionBudget's status (healthy pods, disruptions allowed) current. */
export class DisruptionController {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly pdbType: ResourceType,
  ) {
    this.queue = new WorkQueue("disruption", (key) => this.sync(key), log);
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.key === PDB_KEY && event.type !== "DELETED")
        this.queue.add(`${event.namespace}/${event.name}`);
      if (event.key === "pods")
        // Budgets are few; looking at every budget of the namespace is cheap.
        for (const entry of api.store.list(PDB_KEY, event.namespace))
          this.queue.add(`${event.namespace}/${entry.obj.metadata.name ?? ""}`);
    });
    for (const entry of api.store.list(PDB_KEY))
      this.queue.add(`${entry.obj.metadata.namespace ?? ""}/${entry.obj.metadata.name ?? ""}`);
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const pdb = this.api.store.get(PDB_KEY, namespace, name)?.obj;
    if (!pdb) return;
    const status = budgetStatus(pdb, budgetState(this.api, pdb), timestamp(new Date()));
    if (!deepEqual(pdb.status ?? {}, status))
      this.api.updateStatus(this.pdbType, namespace, name, { ...pdb, status });
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }
}
