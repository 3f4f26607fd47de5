import type { Logger } from "pino";
import { parse } from "yaml";
import { badRequest } from "../api/errors.js";
import type { ObjectApi, PodRuntime } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import { deepEqual, getPath, isObject, type KubeObject } from "../api/types.js";
import { splitKey, WorkQueue } from "../controllers/work-queue.js";
import { planContainers } from "./container-plan.js";
import { ContainerRuntime, type PodContext } from "./container-runtime.js";
import { type ImageConfig, ImageRegistry, parseImageConfig } from "./images.js";
import { type PodView, podPhase, renderPodStatus } from "./pod-status.js";
import { probeSandbox } from "./sandbox.js";
import { WakeUps } from "./scheduler.js";

export interface KubeletOptions {
  podReadyDelayMs: number;
  /** How often a container with the crash-loop hook "restarts" (default 10 s). */
  crashLoopRestartMs?: number;
  /** The simulated registry (default: every well-formed image exists, pulled at once). */
  images?: ImageConfig;
  /** First back-off after a crash or failed pull, doubling up to 5 minutes (default 10 s). */
  backOffBaseMs?: number;
}

/** A ConfigMap that reconfigures the simulated registry while devcluster runs. */
export const IMAGES_CONFIGMAP = { namespace: "kube-system", name: "devcluster-images" };

interface PodRecord {
  uid: string;
  init: ContainerRuntime[];
  main: ContainerRuntime[];
  startTime: number;
  podIp: string;
  /** When a graceful deletion ends (ms since epoch). */
  terminatingUntil?: number;
}

function byName(list: ContainerRuntime[], name: string): ContainerRuntime | undefined {
  return list.find((c) => c.plan.name === name);
}

/**
 * The simulated kubelet: pulls images from a simulated registry, runs init containers then
 * containers (real commands in a sandbox, the rest simulated), follows probe timing, restarts
 * with back-off, and reports the pod's status as the kubelet does. Each pod is looked at when
 * it changes and when its next transition is due (one timer heap for all pods).
 */
export class PodLifecycle implements PodRuntime {
  private readonly queue: WorkQueue;
  private readonly wakeUps: WakeUps;
  private readonly records = new Map<string, PodRecord>();
  private readonly podType: ResourceType;
  private readonly images: ImageRegistry;
  private readonly pulled = new Set<string>();
  private nextIp = 1;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: ObjectApi,
    private readonly log: Logger,
    private readonly options: KubeletOptions,
  ) {
    const podType = api.registry.lookup("", "v1", "pods");
    if (!podType) throw new Error("devcluster: pods are not registered");
    this.podType = podType;
    this.images = new ImageRegistry(options.images ?? {});
    this.queue = new WorkQueue("kubelet", (key) => this.sync(key), log);
    this.wakeUps = new WakeUps((key) => this.queue.add(key));
    this.nextIp += api.store.count("pods");
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.key === "configmaps") {
        if (event.namespace === IMAGES_CONFIGMAP.namespace && event.name === IMAGES_CONFIGMAP.name)
          this.reconfigureImages(event.type === "DELETED" ? undefined : event.obj);
        return;
      }
      if (event.key !== "pods") return;
      const key = `${event.namespace}/${event.name}`;
      if (event.type === "DELETED") {
        this.forget(key);
        return;
      }
      this.queue.add(key);
    });
    const configMap = api.store.get(
      "configmaps",
      IMAGES_CONFIGMAP.namespace,
      IMAGES_CONFIGMAP.name,
    );
    if (configMap) this.reconfigureImages(configMap.obj);
    api.podRuntime = this;
    for (const entry of api.store.list("pods"))
      this.queue.add(`${entry.obj.metadata.namespace}/${entry.obj.metadata.name}`);
  }

  private reconfigureImages(configMap: KubeObject | undefined): void {
    if (!configMap) {
      this.images.configure(this.options.images ?? {});
      return;
    }
    const text = getPath(configMap, ["data", "images.yaml"]);
    try {
      const source = "ConfigMap kube-system/devcluster-images, key images.yaml";
      this.images.configure(parseImageConfig(parse(String(text ?? "")) as unknown, source));
    } catch (error) {
      this.log.warn(
        { err: error },
        "ignored an invalid image list; the previous one stays in force",
      );
    }
  }

  private forget(key: string): void {
    const record = this.records.get(key);
    if (record) for (const c of [...record.init, ...record.main]) c.terminate();
    this.records.delete(key);
    this.wakeUps.forget(key);
  }

  private context(pod: KubeObject, key: string): PodContext {
    return {
      podName: pod.metadata.name ?? "",
      restartPolicy: String(getPath(pod, ["spec", "restartPolicy"]) ?? "Always"),
      images: this.images,
      pulled: this.pulled,
      sandbox: probeSandbox,
      onProcessExit: () => this.queue.add(key),
      // At least 100 ms, so that a crashing container can never spin the event loop.
      crashBackOffBaseMs: Math.max(100, this.options.backOffBaseMs ?? 10_000),
      imageBackOffBaseMs: Math.max(100, this.options.backOffBaseMs ?? 10_000),
    };
  }

  private record(pod: KubeObject, key: string, now: number): PodRecord {
    const uid = pod.metadata.uid ?? "";
    const known = this.records.get(key);
    if (known && known.uid === uid) return known;
    if (known) this.forget(key);
    const recordedStart = Date.parse(String(getPath(pod, ["status", "startTime"]) ?? ""));
    const podIp = getPath(pod, ["status", "podIP"]);
    const record: PodRecord = {
      uid,
      init: [],
      main: [],
      startTime: Number.isNaN(recordedStart) ? now : recordedStart,
      podIp: typeof podIp === "string" ? podIp : this.allocateIp(),
    };
    this.records.set(key, record);
    return record;
  }

  private sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const entry = this.api.store.get("pods", namespace, name);
    if (!entry) {
      this.forget(key);
      return;
    }
    const pod = entry.obj;
    const now = Date.now();
    const phase = podPhase(pod);
    const terminal = phase === "Succeeded" || phase === "Failed";
    if (pod.metadata.deletionTimestamp) {
      this.finishDeletion(pod, key, now);
      return;
    }
    if (terminal) {
      // Finished before (perhaps before a restart of devcluster): nothing runs any more.
      const record = this.records.get(key);
      if (record) for (const c of [...record.init, ...record.main]) c.terminate();
      return;
    }
    const record = this.record(pod, key, now);
    const plans = planContainers(pod, {
      podReadyDelayMs: this.options.podReadyDelayMs,
      crashLoopRestartMs: Math.max(100, this.options.crashLoopRestartMs ?? 10_000),
    });
    record.init = plans.init.map((plan) => {
      const c = byName(record.init, plan.name) ?? new ContainerRuntime(plan);
      c.plan = plan;
      return c;
    });
    record.main = plans.main.map((plan) => {
      const c = byName(record.main, plan.name) ?? new ContainerRuntime(plan);
      c.plan = plan;
      return c;
    });
    const ctx = this.context(pod, key);
    let next = Number.POSITIVE_INFINITY;
    let initialized = true;
    for (const c of record.init) {
      next = Math.min(next, c.advance(now, ctx));
      if (c.done?.exitCode !== 0) {
        initialized = false;
        break;
      }
    }
    if (initialized) for (const c of record.main) next = Math.min(next, c.advance(now, ctx));
    const view: PodView = {
      phase: this.phaseOf(record, initialized),
      init: record.init,
      main: record.main,
      podIp: record.podIp,
      startTime: record.startTime,
    };
    if (view.phase === "Succeeded" || view.phase === "Failed") {
      for (const c of [...record.init, ...record.main]) c.terminate();
      next = Number.POSITIVE_INFINITY;
    }
    const status = renderPodStatus(pod, view, now);
    if (!deepEqual(pod.status ?? {}, status))
      this.api.updateStatus(this.podType, namespace, name, { ...pod, status });
    if (next < Number.POSITIVE_INFINITY) this.wakeUps.at(key, next);
  }

  private phaseOf(record: PodRecord, initialized: boolean): PodView["phase"] {
    if (record.init.some((c) => c.done && c.done.exitCode !== 0)) return "Failed";
    if (!initialized) return "Pending";
    if (record.main.length > 0 && record.main.every((c) => c.done))
      return record.main.every((c) => c.done?.exitCode === 0) ? "Succeeded" : "Failed";
    return record.main.some((c) => c.everStarted) ? "Running" : "Pending";
  }

  /** A pod being deleted stays Terminating until its preStop hooks are over, then goes. */
  private finishDeletion(pod: KubeObject, key: string, now: number): void {
    const record = this.records.get(key);
    if ((pod.metadata.finalizers ?? []).length > 0) return;
    const until = record?.terminatingUntil ?? Date.parse(pod.metadata.deletionTimestamp ?? "");
    if (Number.isFinite(until) && now < until) {
      this.wakeUps.at(key, until);
      return;
    }
    if (record) for (const c of [...record.init, ...record.main]) c.terminate();
    const { namespace, name } = splitKey(key);
    this.api.delete(this.podType, namespace, name, {
      gracePeriodSeconds: 0,
      preconditions: { uid: pod.metadata.uid ?? "" },
    });
  }

  /**
   * PodRuntime: how long a deleted pod stays Terminating. Running containers get their preStop
   * time, bounded by the grace period; the simulated (and sandboxed) processes then stop at once.
   */
  terminationGraceMs(pod: KubeObject, requestedSeconds: number | undefined): number {
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    const record = this.records.get(key);
    const phase = podPhase(pod);
    if (!record || record.uid !== pod.metadata.uid || phase === "Succeeded" || phase === "Failed")
      return 0;
    const configured = getPath(pod, ["spec", "terminationGracePeriodSeconds"]);
    const graceSeconds =
      requestedSeconds ?? (typeof configured === "number" && configured >= 0 ? configured : 30);
    const preStop = Math.max(
      0,
      ...record.main.filter((c) => c.running).map((c) => c.plan.preStopMs),
    );
    const wait = Math.min(preStop, graceSeconds * 1000);
    if (wait > 0) record.terminatingUntil = Date.now() + wait;
    return wait;
  }

  /** PodRuntime: what a container printed (`pods/log`). */
  containerLog(pod: KubeObject, container: string | undefined, previous: boolean): string {
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    const record = this.records.get(key);
    const namesOf = (field: string): string[] => {
      const list = getPath(pod, ["spec", field]);
      return Array.isArray(list) ? list.filter(isObject).map((c) => String(c.name ?? "")) : [];
    };
    const mainNames = namesOf("containers");
    const names = [...namesOf("initContainers"), ...mainNames];
    let wanted = container;
    if (wanted === undefined || wanted === "") {
      if (mainNames.length !== 1)
        throw badRequest(
          `a container name must be specified for pod ${pod.metadata.name ?? ""}, choose one of: [${mainNames.join(" ")}]`,
        );
      wanted = mainNames[0];
    }
    if (!names.includes(wanted ?? ""))
      throw badRequest(`container ${wanted ?? ""} is not valid for pod ${pod.metadata.name ?? ""}`);
    const c = record && (byName(record.main, wanted ?? "") ?? byName(record.init, wanted ?? ""));
    if (!c) return "";
    if (previous) {
      if (c.restartCount === 0)
        throw badRequest(
          `previous terminated container "${wanted ?? ""}" in pod "${pod.metadata.name ?? ""}" not found`,
        );
      return c.previousLog;
    }
    return c.log();
  }

  private allocateIp(): string {
    const n = this.nextIp++;
    return `10.244.${Math.floor(n / 250) % 256}.${(n % 250) + 1}`;
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
    this.wakeUps.stop();
    for (const key of [...this.records.keys()]) this.forget(key);
    if (this.api.podRuntime === this) this.api.podRuntime = undefined;
  }
}
