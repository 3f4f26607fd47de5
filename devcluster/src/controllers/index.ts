import type { Logger } from "pino";
import type { ObjectApi } from "../api/objects.js";
import type { ResourceType } from "../api/registry.js";
import type { ImageConfig } from "../kubelet/images.js";
import { PodLifecycle } from "../kubelet/pod-lifecycle.js";
import { DeploymentController } from "./deployment.js";
import { DisruptionController } from "./disruption.js";
import { EndpointsController } from "./endpoints.js";
import { GarbageCollector } from "./garbage-collector.js";
import { JobController } from "./job.js";
import { ReplicaSetController } from "./replicaset.js";

/** Each simulated controller can be switched off (all run by default). */
export interface ControllerSwitches {
  garbageCollector: boolean;
  replicaSets: boolean;
  deployments: boolean;
  jobs: boolean;
  endpoints: boolean;
  /** The pod simulation: start pods, make them Ready, apply test hooks. */
  kubelet: boolean;
  /** PodDisruptionBudget status. */
  disruption: boolean;
}

export interface ControllerOptions {
  switches: Partial<ControllerSwitches>;
  podReadyDelayMs: number;
  images?: ImageConfig;
  backOffBaseMs?: number;
}

function need(api: ObjectApi, group: string, version: string, plural: string): ResourceType {
  const type = api.registry.lookup(group, version, plural);
  if (!type) throw new Error(`devcluster: built-in resource ${plural} is not registered`);
  return type;
}

export function startControllers(
  api: ObjectApi,
  log: Logger,
  options: ControllerOptions,
): { stop(): void } {
  const on = (name: keyof ControllerSwitches): boolean => options.switches[name] !== false;
  const pod = need(api, "", "v1", "pods");
  const rs = need(api, "apps", "v1", "replicasets");
  const running: Array<{ stop(): void }> = [];
  if (on("garbageCollector")) running.push(new GarbageCollector(api, log));
  if (on("kubelet"))
    running.push(
      new PodLifecycle(api, log, {
        podReadyDelayMs: options.podReadyDelayMs,
        ...(options.images ? { images: options.images } : {}),
        ...(options.backOffBaseMs !== undefined ? { backOffBaseMs: options.backOffBaseMs } : {}),
      }),
    );
  if (on("disruption"))
    running.push(
      new DisruptionController(api, log, need(api, "policy", "v1", "poddisruptionbudgets")),
    );
  if (on("replicaSets")) running.push(new ReplicaSetController(api, log, { rs, pod }));
  if (on("deployments"))
    running.push(
      new DeploymentController(api, log, {
        deployment: need(api, "apps", "v1", "deployments"),
        rs,
      }),
    );
  if (on("jobs"))
    running.push(
      new JobController(
        api,
        log,
        { job: need(api, "batch", "v1", "jobs"), pod },
        options.backOffBaseMs,
      ),
    );
  if (on("endpoints"))
    running.push(
      new EndpointsController(api, log, { endpoints: need(api, "", "v1", "endpoints") }),
    );
  return {
    stop() {
      for (const controller of running) controller.stop();
    },
  };
}
