import type { Logger } from "pino";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual, getPath, isObject, type JsonObject, type KubeObject } from "../api/types.js";
import { podReadySince } from "../kubelet/pod-status.js";
import { splitKey, WorkQueue } from "./work-queue.js";

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

  constructor(
    private readonly api: ObjectApi,
    log: Logger,
    private readonly types: { endpoints: ResourceType },
  ) {
    this.queue = new WorkQueue("endpoints", (key) => this.sync(key), log);
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.key === "services") this.queue.add(`${event.namespace}/${event.name}`);
      if (event.key === "pods") {
        for (const service of api.store.list("services", event.namespace)) {
          this.queue.add(`${event.namespace}/${service.obj.metadata.name ?? ""}`);
        }
      }
    });
    for (const entry of api.store.list("services"))
      this.queue.add(`${entry.obj.metadata.namespace}/${entry.obj.metadata.name}`);
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const service = this.api.store.get("services", namespace, name)?.obj;
    const existing = this.api.store.get("endpoints", namespace, name)?.obj;
    const selector = getPath(service, ["spec", "selector"]);
    if (!service || !isObject(selector)) {
      if (existing && !service) this.api.delete(this.types.endpoints, namespace, name);
      return;
    }
    const ports = getPath(service, ["spec", "ports"]);
    const servicePorts = Array.isArray(ports) ? ports.filter(isObject) : [];
    const ready: JsonObject[] = [];
    const notReady: JsonObject[] = [];
    let firstPod: KubeObject | undefined;
    for (const entry of this.api.store.list("pods", namespace)) {
      const pod = entry.obj;
      if (pod.metadata.deletionTimestamp) continue;
      if (!Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v)) continue;
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
