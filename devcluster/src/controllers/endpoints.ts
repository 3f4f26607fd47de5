import type { Logger } from "pino";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual, getPath, isObject, type JsonObject, type KubeObject } from "../api/types.js";
import { podReadySince } from "../kubelet/pod-status.js";
import { LabelIndex } from "./label-index.js";
import { splitKey, WorkQueue } from "./work-queue.js";

function selectorOf(service: KubeObject | undefined): JsonObject | undefined {
  const selector = getPath(service, ["spec", "selector"]);
  return isObject(selector) ? selector : undefined;
}

function selects(selector: JsonObject, pod: KubeObject): boolean {
  for (const key in selector) if (pod.metadata.labels?.[key] !== selector[key]) return false;
  return true;
}

function targetPort(port: JsonObject, pod: KubeObject): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  // A named target port resolves against the pod's container ports.
  const containers = getPath(pod, ["spec", "containers"]);
  for (const container of Array.isArray(containers) ? containers.filter(isObject) : []) {
    for (const p of Array.isArray(container.ports) ? container.ports.filter(isObject) : []) {
      if (p.name === target && typeof p.containerPort === "number") return p.containerPort;
    }
  }
  return undefined;
}

/** Service → Endpoints listing the ready (and not-ready) pods its selector picks. */
export class EndpointsController {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: () => void;
  /** Services by the label pairs of their selectors, pods by their labels. */
  private readonly services = new LabelIndex();
  private readonly pods = new LabelIndex();

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly types: { endpoints: ResourceType },
  ) {
    this.queue = new WorkQueue("endpoints", (key) => this.sync(key), log);
    this.unsubscribe = api.store.subscribe((event) => {
      const gone = event.type === "DELETED";
      if (event.key === "services") {
        this.indexService(
          event.namespace,
          event.name,
          selectorOf(event.previous),
          gone ? undefined : selectorOf(event.obj),
        );
        this.queue.add(`${event.namespace}/${event.name}`);
      }
      if (event.key === "pods") {
        const before = event.previous?.metadata.labels;
        const after = event.obj.metadata.labels;
        this.pods.update(event.namespace, event.name, before, gone ? undefined : after);
        // Only the Services whose selector picks the pod, before or after the change.
        // Most pod events are status changes with the same labels: look them up once.
        const labelSets = deepEqual(before, after) ? [after] : [before, after];
        for (const labels of labelSets) {
          if (labels === undefined) continue;
          for (const service of this.services.candidates(event.namespace, labels)) {
            const selector = selectorOf(api.store.get("services", event.namespace, service)?.obj);
            if (selector !== undefined && selects(selector, { metadata: { labels } }))
              this.queue.add(`${event.namespace}/${service}`);
          }
        }
        // A Service with an empty selector picks every pod.
        for (const service of this.emptySelectors.get(event.namespace) ?? [])
          this.queue.add(`${event.namespace}/${service}`);
      }
    });
    for (const entry of api.store.list("pods")) {
      const { namespace = "", name = "", labels } = entry.obj.metadata;
      this.pods.update(namespace, name, undefined, labels);
    }
    for (const entry of api.store.list("services")) {
      const { namespace = "", name = "" } = entry.obj.metadata;
      this.indexService(namespace, name, undefined, selectorOf(entry.obj));
      this.queue.add(`${namespace}/${name}`);
    }
  }

  /** Services whose selector is `{}`, by namespace: they pick every pod. */
  private readonly emptySelectors = new Map<string, Set<string>>();

  private indexService(
    namespace: string,
    name: string,
    before: JsonObject | undefined,
    after: JsonObject | undefined,
  ): void {
    this.services.update(namespace, name, before, after);
    let empty = this.emptySelectors.get(namespace);
    if (after !== undefined && Object.keys(after).length === 0) {
      if (empty === undefined) {
        empty = new Set();
        this.emptySelectors.set(namespace, empty);
      }
      empty.add(name);
    } else {
      empty?.delete(name);
    }
  }

  /** The pods of the namespace the selector picks, found through the label index. */
  private *selected(namespace: string, selector: JsonObject): Iterable<KubeObject> {
    const names = this.pods.smallestFor(namespace, selector);
    if (names === undefined) {
      for (const entry of this.api.store.list("pods", namespace)) yield entry.obj;
      return;
    }
    for (const name of names) {
      const pod = this.api.store.get("pods", namespace, name)?.obj;
      if (pod !== undefined && selects(selector, pod)) yield pod;
    }
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const service = this.api.store.get("services", namespace, name)?.obj;
    const existing = this.api.store.get("endpoints", namespace, name)?.obj;
    const selector = selectorOf(service);
    if (!service || selector === undefined) {
      if (existing && !service) this.api.delete(this.types.endpoints, namespace, name);
      return;
    }
    const ports = getPath(service, ["spec", "ports"]);
    const servicePorts = Array.isArray(ports) ? ports.filter(isObject) : [];
    const ready: JsonObject[] = [];
    const notReady: JsonObject[] = [];
    let firstPod: KubeObject | undefined;
    // In list order (by name), as the scan of every pod gave them.
    const picked = [...this.selected(namespace, selector)].sort((a, b) => {
      const left = a.metadata.name ?? "";
      const right = b.metadata.name ?? "";
      return left < right ? -1 : left > right ? 1 : 0;
    });
    for (const pod of picked) {
      if (pod.metadata.deletionTimestamp) continue;
      const ip = getPath(pod, ["status", "podIP"]);
      if (typeof ip !== "string") continue;
      const phase = getPath(pod, ["status", "phase"]);
      if (phase === "Succeeded" || phase === "Failed") continue;
      firstPod ??= pod;
      const address = {
        ip,
        nodeName: "devcluster",
        targetRef: { kind: "Pod", namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      (podReadySince(pod) !== undefined ? ready : notReady).push(address);
    }
    const endpointPorts = servicePorts.map((port) => ({
      ...(typeof port.name === "string" ? { name: port.name } : {}),
      port: (firstPod ? targetPort(port, firstPod) : undefined) ?? port.port,
      protocol: port.protocol ?? "TCP",
    }));
    const subsets =
      ready.length + notReady.length === 0
        ? []
        : [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports: endpointPorts,
            },
          ];
    const body: JsonObject = {
      metadata: { name, namespace, labels: service.metadata.labels ?? {} },
      subsets,
    };
    if (!existing) this.api.create(this.types.endpoints, namespace, body);
    else if (!deepEqual(existing.subsets ?? [], subsets)) {
      this.api.update(this.types.endpoints, namespace, name, { ...existing, subsets });
    }
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }
}
