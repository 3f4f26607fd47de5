// Assembles the controller from the runtime parts and the reconcilers. Kept apart from main.ts
// so tests can start a controller in-process as well as by its binary.
import os from "node:os";
import type { Logger } from "pino";
import { parseRollout } from "./api/parse.js";
import { PluginHost } from "./plugins/host.js";
import { PLUGIN_CONFIGMAP_NAME, PluginRegistry } from "./plugins/registry.js";
import { analysisRunReconciler } from "./reconcilers/analysis/reconciler.js";
import { serviceNamesOf } from "./reconcilers/rollout/observe.js";
import { rolloutReconciler } from "./reconcilers/rollout/reconciler.js";
import { EventRecorder } from "./runtime/events.js";
import { type RunningHttpServer, startHttpServer } from "./runtime/http-server.js";
import { instanceIdSelector, joinSelectors } from "./runtime/informer.js";
import { enqueueObject, enqueueOwner, SharedInformers } from "./runtime/informer-factory.js";
import { KubeClient, loadKubeConfig } from "./runtime/kube.js";
import { type KubeObject, objectKey, RESOURCES } from "./runtime/kube-resources.js";
import { LeaderElector } from "./runtime/leader-election.js";
import { createLogger, errorMessage } from "./runtime/logger.js";
import { ControllerMetrics } from "./runtime/metrics.js";
import { analysisRunMetricsInfo, rolloutMetricsInfo } from "./runtime/metrics-info.js";
import { WorkQueue } from "./runtime/work-queue.js";

/** Informer index of Rollouts by "<namespace>/<service>" for each Service they name. */
const SERVICE_INDEX = "service";

/**
 * AnalysisRun passes in flight at once by default. The original runs 30 goroutines; a pass
 * spends nearly all its time waiting (on the provider, then on the API server), and ours are
 * async slots, not threads, so a pass in flight costs a few KiB. With 30, a provider answering
 * in 1 s would cap the whole controller at 30 measurements/s, and 2,000 runs on a 1 s interval
 * queued for workers while the CPU sat partly idle (bench/analysis: 1,500/s, lateness p99 0.9 s
 * at 30; at 200-400 the CPU is the limit and p99 lateness fell under 0.5 s). The bound stays
 * so that a burst of due runs does not open an unbounded number of calls to one provider.
 */
export const DEFAULT_ANALYSIS_THREADS = 256;

export interface ControllerOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  instanceId?: string | undefined;
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  leaseDurationSeconds?: number;
  identity?: string;
  rolloutThreads?: number;
  /**
   * Concurrent AnalysisRun passes (the original's --analysis-threads). Default
   * DEFAULT_ANALYSIS_THREADS (256), not the original's 30: see there.
   */
  analysisThreads?: number;
  metricsPort?: number;
  logLevel?: string;
  logger?: Logger;
  /**
   * Namespace of the argo-rollouts-config ConfigMap (the plugin registry). Default: the
   * POD_NAMESPACE variable, else --namespace, else "argo-rollouts".
   */
  configNamespace?: string;
  /** Deadline of every plugin call in milliseconds. Default 5000. */
  pluginCallTimeoutMs?: number;
}

export interface RunningController {
  log: Logger;
  metricsPort: number;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * The cache keeps of a Pod only what the controller reads (restarts: labels, owner, creation
 * and deletion times, the Ready condition; pod metadata patches: labels). A kubelet's status
 * (container states, images, IPs, four conditions with times) is most of a Pod's size, and at
 * 20,000 Rollouts the Pods were the largest part of the controller's memory.
 */
export function trimPod(pod: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, labels, creationTimestamp } = pod.metadata;
  const { deletionTimestamp, ownerReferences } = pod.metadata;
  const status = pod.status as { phase?: unknown; conditions?: unknown } | undefined;
  const ready = Array.isArray(status?.conditions)
    ? (status.conditions as Array<{ type?: unknown; status?: unknown }>).find(
        (c) => c.type === "Ready",
      )
    : undefined;
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: {
      name,
      namespace,
      uid,
      resourceVersion,
      labels,
      creationTimestamp,
      ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }),
      ownerReferences,
    },
    status: {
      phase: status?.phase,
      ...(ready === undefined ? {} : { conditions: [{ type: "Ready", status: ready.status }] }),
    },
  } as KubeObject;
}

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const log = options.logger ?? createLogger({ level: options.logLevel ?? "info" });
  const metrics = new ControllerMetrics();
  const kubeConfig = loadKubeConfig({
    ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
    ...(options.context === undefined ? {} : { context: options.context }),
  });
  const client = new KubeClient(kubeConfig, {
    fieldManager: "sluice-controller",
    userAgent: "sluice-controller",
    onRequest: metrics.recordK8sRequest,
  });
  const recorder = new EventRecorder({
    client,
    logger: log,
    onDropped: (reason) => metrics.eventDropped(reason),
  });
  const selector = instanceIdSelector(options.instanceId);
  const informers = new SharedInformers({
    client,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    logger: log,
    resyncPeriodMs: 10 * 60_000,
  });
  const caches = {
    rollouts: informers.informerFor(RESOURCES.rollouts, {
      ...(joinSelectors(selector) === undefined ? {} : { labelSelector: joinSelectors(selector) }),
      // Rollouts by the Services they name, so a Service event finds its Rollouts without
      // parsing every Rollout of the namespace (that grew with Services × Rollouts).
      indexers: {
        [SERVICE_INDEX]: (rollout) => {
          const parsed = parseRollout(rollout);
          const namespace = rollout.metadata.namespace ?? "";
          return parsed.ok ? serviceNamesOf(parsed.value).map((n) => `${namespace}/${n}`) : [];
        },
      },
    }),
    replicaSets: informers.informerFor(RESOURCES.replicaSets),
    services: informers.informerFor(RESOURCES.services),
    pods: informers.informerFor(RESOURCES.pods, { transform: trimPod }),
    deployments: informers.informerFor(RESOURCES.deployments),
    analysisRuns: informers.informerFor(RESOURCES.analysisRuns, {
      ...(joinSelectors(selector) === undefined ? {} : { labelSelector: joinSelectors(selector) }),
    }),
    analysisTemplates: informers.informerFor(RESOURCES.analysisTemplates),
    clusterAnalysisTemplates: informers.informerFor(RESOURCES.clusterAnalysisTemplates, {
      namespace: "",
    }),
  };
  // The plugin registry follows the ConfigMap through an informer: edits apply without a restart.
  const configNamespace =
    options.configNamespace ?? process.env.POD_NAMESPACE ?? options.namespace ?? "argo-rollouts";
  const configMaps = informers.informerFor(RESOURCES.configMaps, {
    namespace: configNamespace,
    fieldSelector: `metadata.name=${PLUGIN_CONFIGMAP_NAME}`,
  });
  const registry = new PluginRegistry({
    log: log.child({ component: "plugin-registry" }),
    recorder,
  });
  registry.watch(configMaps);
  const plugins = new PluginHost({
    registry,
    log,
    metrics,
    ...(options.pluginCallTimeoutMs === undefined
      ? {}
      : { callTimeoutMs: options.pluginCallTimeoutMs }),
    onPluginProblem: (plugin, reason, message) => {
      const configMap = configMaps.get(configNamespace, PLUGIN_CONFIGMAP_NAME);
      if (configMap !== undefined) recorder.warning(configMap, reason, message);
      log.warn({ plugin, reason }, message);
    },
  });
  const queue = new WorkQueue({ name: "rollouts", metrics: metrics.workQueueHooks() });
  // A registry change may unblock (or block) any Rollout that routes traffic: look again.
  registry.onChange(() => {
    for (const rollout of caches.rollouts.list()) queue.add(objectKey(rollout));
  });
  metrics.registerWorkQueue(queue);
  const analysisQueue = new WorkQueue({
    name: "analysisruns",
    metrics: metrics.workQueueHooks(),
  });
  metrics.registerWorkQueue(analysisQueue);
  metrics.setAnalysisRunSource(() => caches.analysisRuns.list().map(analysisRunMetricsInfo));
  metrics.setRolloutSource(() => caches.rollouts.list().map(rolloutMetricsInfo));

  caches.rollouts.addEventHandler(enqueueObject(queue));
  // A deleted object's per-object series leave /metrics (and memory) with it.
  caches.rollouts.addEventHandler({
    onDelete: (obj) =>
      metrics.forgetObject("Rollout", obj.metadata.namespace ?? "", obj.metadata.name),
  });
  caches.replicaSets.addEventHandler(enqueueOwner(queue, "Rollout"));
  // A run's phase decides its Rollout's next step: every change wakes the owner too.
  // The run's own status writes come back as updates; the pass that wrote them already asked
  // for its next look (requeueAfter), so only spec or metadata changes (terminate, deletion,
  // a user's edit) need another pass now.
  caches.analysisRuns.addEventHandler({
    onAdd: (obj) => analysisQueue.add(objectKey(obj)),
    onUpdate: (old, obj) => {
      if (
        old.metadata.generation !== obj.metadata.generation ||
        old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp ||
        // The API server bumps generation on every spec change: the specs themselves are
        // compared (two JSON encodings per status write) only if it keeps no generation.
        (obj.metadata.generation === undefined &&
          JSON.stringify(old.spec) !== JSON.stringify(obj.spec))
      )
        analysisQueue.add(objectKey(obj));
    },
    onDelete: (obj) => {
      metrics.forgetObject("AnalysisRun", obj.metadata.namespace ?? "", obj.metadata.name);
      analysisQueue.add(objectKey(obj));
    },
  });
  caches.analysisRuns.addEventHandler(enqueueOwner(queue, "Rollout"));
  // A template created after the Rollout that needs it lets that Rollout go on.
  const wakeNamespace = (obj: KubeObject): void => {
    const namespace = obj.metadata.namespace;
    const rollouts =
      namespace === undefined || namespace === ""
        ? caches.rollouts.list()
        : caches.rollouts.listByNamespace(namespace);
    for (const rollout of rollouts) queue.add(objectKey(rollout));
  };
  for (const templates of [caches.analysisTemplates, caches.clusterAnalysisTemplates]) {
    templates.addEventHandler({
      onAdd: wakeNamespace,
      onUpdate: (_old, obj) => wakeNamespace(obj),
      onDelete: wakeNamespace,
    });
  }
  // A Service or Deployment change wakes the Rollouts that name it.
  const wakeRolloutsNaming = (matches: (rollout: KubeObject, name: string) => boolean) => {
    const wake = (obj: KubeObject): void => {
      const namespace = obj.metadata.namespace ?? "";
      for (const rollout of caches.rollouts.listByNamespace(namespace)) {
        if (matches(rollout, obj.metadata.name)) queue.add(objectKey(rollout));
      }
    };
    return {
      onAdd: wake,
      onUpdate: (_old: KubeObject, obj: KubeObject) => wake(obj),
      onDelete: wake,
    };
  };
  const wakeRolloutsOfService = (service: KubeObject): void => {
    const key = `${service.metadata.namespace ?? ""}/${service.metadata.name}`;
    for (const rollout of caches.rollouts.byIndex(SERVICE_INDEX, key))
      queue.add(objectKey(rollout));
  };
  caches.services.addEventHandler({
    onAdd: wakeRolloutsOfService,
    onUpdate: (_old, obj) => wakeRolloutsOfService(obj),
    onDelete: wakeRolloutsOfService,
  });
  caches.deployments.addEventHandler(
    wakeRolloutsNaming((rollout, name) => {
      const spec = rollout.spec as { workloadRef?: { name?: unknown } } | undefined;
      return spec?.workloadRef?.name === name;
    }),
  );

  const reconcile = rolloutReconciler({ client, caches, recorder, log, metrics, plugins });
  const reconcileAnalysis = analysisRunReconciler({
    client,
    runs: caches.analysisRuns,
    recorder,
    plugins,
    log,
    metrics,
  });
  let analysisWorkers: Promise<void> | undefined;
  let workers: Promise<void> | undefined;
  const startWork = (): void => {
    informers.start();
    // No pass may plan from a partial picture (a Rollout seen before its ReplicaSets would
    // look brand new): workers start only once every cache holds its first full list.
    const synced = informers.waitForSync();
    workers = synced.then(() =>
      queue.run(options.rolloutThreads ?? 10, reconcile, {
        onError: (key, error) =>
          log.warn(
            { key, error: errorMessage(error) },
            "rollout pass failed; retrying with backoff",
          ),
      }),
    );
    analysisWorkers = synced.then(() =>
      analysisQueue.run(options.analysisThreads ?? DEFAULT_ANALYSIS_THREADS, reconcileAnalysis, {
        onError: (key, error) =>
          log.warn(
            { key, error: errorMessage(error) },
            "analysis run pass failed; retrying with backoff",
          ),
      }),
    );
  };

  let leader = !options.leaderElect;
  let elector: LeaderElector | undefined;
  if (options.leaderElect === true) {
    const identity =
      options.identity ??
      `${os.hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const leaseName = options.leaseName ?? "sluice-controller-lock";
    elector = new LeaderElector({
      client,
      namespace: options.leaseNamespace ?? options.namespace ?? "default",
      name: leaseName,
      identity,
      leaseDurationMs: (options.leaseDurationSeconds ?? 15) * 1000,
      renewDeadlineMs: Math.max(1000, ((options.leaseDurationSeconds ?? 15) * 1000 * 2) / 3),
      retryPeriodMs: Math.max(500, ((options.leaseDurationSeconds ?? 15) * 1000) / 7.5),
      logger: log,
      onStartedLeading: () => {
        leader = true;
        metrics.setLeader(leaseName, true);
        log.info({ identity }, "became leader; starting work");
        startWork();
      },
      onStoppedLeading: () => {
        metrics.setLeader(leaseName, false);
        if (leader) {
          // Like client-go's controllers: a replica that lost the lease exits so that no
          // stale in-memory state keeps acting; its supervisor starts it again.
          log.error("lost leadership; exiting");
          process.exit(1);
        }
      },
    });
    void elector.run();
  } else {
    startWork();
  }

  let server: RunningHttpServer | undefined;
  server = await startHttpServer({
    port: options.metricsPort ?? 8090,
    metrics: {
      render: () => metrics.render(),
      writeTo: (write) => metrics.writeTo(write),
      contentType: metrics.contentType,
    },
    readiness: () =>
      !leader || informers.hasSynced()
        ? { ok: true }
        : { ok: false, reason: `informer caches not synced: ${informers.unsynced().join(", ")}` },
    logger: log,
  });
  log.info(
    { namespace: options.namespace ?? "(all)", instanceId: options.instanceId, port: server.port },
    "sluice-controller started",
  );

  return {
    log,
    metricsPort: server.port,
    isLeader: () => leader,
    async stop() {
      leader = false;
      await elector?.stop({ release: true });
      await Promise.all([queue.shutDown(), analysisQueue.shutDown()]);
      await Promise.all([workers, analysisWorkers]);
      await informers.stop();
      await plugins.stop();
      await recorder.flush();
      await server?.close();
      client.close();
    },
  };
}
