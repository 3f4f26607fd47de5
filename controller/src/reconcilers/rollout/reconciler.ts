// One Rollout pass: observe from the caches, plan (pure), act (executor). Level-triggered and
// stateless between passes: everything it needs is in the cluster (DESIGN §4).
import type { Logger } from "pino";
import { describeParseErrors, parseRollout } from "../../api/parse.js";
import type { Rollout, RolloutStatus } from "../../api/rollout.js";
import type { PluginHost } from "../../plugins/host.js";
import { RouterActionError } from "../../plugins/routers.js";
import { ConditionType, Phase, Reason } from "../../rollout/keys.js";
import type { Observed } from "../../rollout/observed.js";
import { plan } from "../../rollout/plan.js";
import type { Plan } from "../../rollout/plan-types.js";
import { isoSeconds, setCondition } from "../../rollout/status.js";
import type { EventRecorder } from "../../runtime/events.js";
import type { KubeClient } from "../../runtime/kube.js";
import type { KubeObject } from "../../runtime/kube-resources.js";
import { RESOURCES, splitObjectKey } from "../../runtime/kube-resources.js";
import { errorMessage, rolloutLogger } from "../../runtime/logger.js";
import type { ControllerMetrics } from "../../runtime/metrics.js";
import type { KeyHandler } from "../../runtime/work-queue.js";
import { executePlan } from "./execute.js";
import { observeRollout, observeRolloutRouters, type RolloutCaches } from "./observe.js";

export interface RolloutReconcilerDeps {
  client: KubeClient;
  caches: RolloutCaches;
  recorder: EventRecorder;
  log: Logger;
  metrics?: ControllerMetrics;
  now?: () => Date;
  /** Traffic routers (and metric providers) as plugin processes. */
  plugins?: PluginHost;
}

/**
 * A router call failed: the plan stopped before its status, so the Rollout did not advance.
 * Say which plugin failed and why, in status.message and a Warning Event; the caller rethrows
 * so the work queue retries with backoff (spec/traffic-routers.md §1.4).
 */
export async function reportRouterFailure(
  deps: RolloutReconcilerDeps,
  raw: KubeObject,
  error: RouterActionError,
  log: Logger,
): Promise<void> {
  const message = `TrafficRoutingError: ${error.message}`;
  deps.recorder.warning(raw, "TrafficRoutingError", error.message);
  const previous = (raw.status as RolloutStatus | undefined)?.message;
  if (previous === message) return;
  try {
    await deps.client.patch(
      RESOURCES.rollouts,
      raw.metadata.namespace ?? "default",
      raw.metadata.name,
      { status: { message } },
      { subresource: "status" },
    );
  } catch (patchError) {
    log.warn(
      { error: errorMessage(patchError) },
      "could not write the traffic routing failure to status.message",
    );
  }
}

/** spec §3.1: an object that does not even parse is looked at again after this long. */
const UNPARSEABLE_REQUEUE_MS = 20_000;

/**
 * A Rollout whose JSON does not match the schema cannot be planned; it still gets what an
 * invalid spec gets (spec §8): the InvalidSpec condition, phase Degraded and the message.
 */
function unparseablePlan(raw: KubeObject, message: string, now: Date): Plan {
  const previous = (raw.status ?? {}) as RolloutStatus;
  const status: RolloutStatus = structuredClone(previous);
  setCondition(
    status,
    { type: ConditionType.InvalidSpec, status: "True", reason: Reason.InvalidSpec, message },
    isoSeconds(now),
  );
  status.phase = Phase.Degraded;
  status.message = `${Reason.InvalidSpec}: ${message}`;
  const alreadyReported = previous.message === status.message;
  return {
    actions: [],
    status,
    events: alreadyReported ? [] : [{ type: "Warning", reason: Reason.InvalidSpec, message }],
  };
}

/** True when resource version `a` is older than `b` (both numeric, as etcd's revisions). */
function olderThan(a: string | undefined, b: string): boolean {
  if (a === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

export function rolloutReconciler(deps: RolloutReconcilerDeps): KeyHandler {
  const now = deps.now ?? (() => new Date());
  // The resource version of each Rollout's last status write. A pass woken by some other
  // event (its new ReplicaSet appearing) before the cache holds that write would plan from a
  // status the controller has already replaced and write it again; it waits instead: the
  // cache catching up queues the Rollout anyway.
  const written = new Map<string, string>();
  return async (key) => {
    const { namespace, name } = splitObjectKey(key);
    const raw = deps.caches.rollouts.get(namespace, name);
    if (raw === undefined) {
      written.delete(key);
      return undefined; // deleted: owned objects go with it (GC)
    }
    const lastWritten = written.get(key);
    if (lastWritten !== undefined) {
      if (olderThan(raw.metadata.resourceVersion, lastWritten)) return undefined;
      written.delete(key);
    }
    const log = rolloutLogger(deps.log, namespace, name);
    const started = performance.now();
    // Time in router calls this pass (VerifyWeight observation and router actions).
    let routerSeconds = 0;
    let calledRouters = false;
    const at = now();
    try {
      const parsed = parseRollout(raw);
      let planned: Plan;
      let observedStatus: RolloutStatus | undefined;
      if (!parsed.ok) {
        const message = describeParseErrors("Rollout", raw, parsed.errors);
        planned = {
          ...unparseablePlan(raw, message, at),
          requeueAfterSeconds: UNPARSEABLE_REQUEUE_MS / 1000,
        };
        observedStatus = raw.status as RolloutStatus | undefined;
        log.warn({ error: message }, "rollout does not match the schema");
      } else {
        const rollout: Rollout = parsed.value;
        const observed: Observed = observeRollout(raw, rollout, deps.caches);
        const observing = performance.now();
        const routers = await observeRolloutRouters(raw, deps.plugins);
        if (routers !== undefined) {
          routerSeconds += (performance.now() - observing) / 1000;
          calledRouters = true;
        }
        if (routers !== undefined) {
          observed.routers = routers;
          if (routers.error !== undefined)
            log.warn({ error: routers.error }, "traffic router could not verify the weight");
        }
        planned = plan(observed, at);
        observedStatus = rollout.status;
      }
      const { statusWritten, resourceVersion } = await executePlan(
        {
          client: deps.client,
          recorder: deps.recorder,
          pods: deps.caches.pods,
          log,
          ...(deps.plugins === undefined ? {} : { plugins: deps.plugins }),
          onRouterSeconds: (seconds) => {
            routerSeconds += seconds;
            calledRouters = true;
          },
        },
        raw,
        observedStatus,
        planned,
      );
      if (resourceVersion !== undefined) written.set(key, resourceVersion);
      log.debug(
        {
          actions: planned.actions.length,
          statusWritten,
          requeueAfterSeconds: planned.requeueAfterSeconds,
        },
        "rollout reconciled",
      );
      return planned.requeueAfterSeconds === undefined
        ? undefined
        : { requeueAfterMs: Math.max(0, planned.requeueAfterSeconds * 1000) };
    } catch (error) {
      if (error instanceof RouterActionError) await reportRouterFailure(deps, raw, error, log);
      deps.metrics?.rolloutReconcileFailed(namespace, name);
      throw error;
    } finally {
      deps.metrics?.observeRolloutReconcile(namespace, name, (performance.now() - started) / 1000);
      if (calledRouters) deps.metrics?.observeTrafficRoutingPass(routerSeconds);
    }
  };
}
