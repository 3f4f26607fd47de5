import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { type Logger, pino } from "pino";
import { ObjectApi } from "./api/objects.js";
import { Registry } from "./api/registry.js";
import { type ControllerSwitches, startControllers } from "./controllers/index.js";
import { createApiServer } from "./http/server.js";
import { WatchHub } from "./http/watch.js";
import { writeKubeconfig } from "./kubeconfig-file.js";
import type { ImageConfig } from "./kubelet/images.js";
import { OwnerIndex } from "./store/owner-index.js";
import { Store } from "./store/store.js";
import { loadOrCreateTlsMaterial } from "./tls/certificate.js";

export interface DevClusterOptions {
  /** Where objects, certificates, the token and the kubeconfig live (default `.devcluster`). */
  dataDir?: string;
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Which simulated controllers run (all by default). */
  controllers?: Partial<ControllerSwitches>;
  /** How long a started pod takes to become Ready (default 500 ms). */
  podReadyDelayMs?: number;
  /** The simulated image registry (default: every well-formed image exists). */
  images?: ImageConfig;
  /** First back-off after a crash or a failed image pull, doubling to 5 min (default 10 s). */
  backOffBaseMs?: number;
  /** Changes kept for watches that resume from an older resourceVersion (default 100,000). */
  watchHistorySize?: number;
  /** Unsent bytes after which a watcher is disconnected as too slow (default 16 MiB). */
  maxWatchBufferBytes?: number;
  bookmarkIntervalMs?: number;
  /** Least time between two writes to each watcher while changes stream in (default 2 ms). */
  watchFlushIntervalMs?: number;
  /** Also fsync every write (survives power loss, slower). Default false. */
  fsync?: boolean;
  logger?: Logger;
}

/** A running devcluster (the library entry adds `kubeConfig()`; see index.ts). */
export interface RunningDevCluster {
  url: string;
  port: number;
  kubeconfigPath: string;
  dataDir: string;
  token: string;
  caPem: string;
  stop(): Promise<void>;
}

function loadOrCreateToken(dataDir: string): string {
  const path = join(dataDir, "token");
  if (existsSync(path)) {
    const token = readFileSync(path, "utf8").trim();
    if (token !== "") return token;
  }
  const token = randomBytes(24).toString("base64url");
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One devcluster per data directory: a second one would interleave writes to the log. */
function takeLock(dataDir: string): () => void {
  const path = join(dataDir, "lock");
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      throw new Error(
        `devcluster: data directory ${dataDir} is in use by process ${pid}; stop it or choose another --data-dir`,
      );
    }
  }
  writeFileSync(path, String(process.pid));
  return () => rmSync(path, { force: true });
}

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function ensureBaseObjects(api: ObjectApi): void {
  const namespaces = api.registry.lookup("", "v1", "namespaces");
  if (namespaces) {
    for (const name of SYSTEM_NAMESPACES) {
      if (!api.store.get("namespaces", "", name))
        api.create(namespaces, "", { metadata: { name } });
    }
  }
  const nodes = api.registry.lookup("", "v1", "nodes");
  if (nodes && !api.store.get("nodes", "", "devcluster")) {
    const node = api.create(nodes, "", {
      metadata: { name: "devcluster", labels: { "kubernetes.io/hostname": "devcluster" } },
    });
    api.updateStatus(nodes, "", "devcluster", {
      ...node,
      status: {
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "devcluster simulates this node",
          },
        ],
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
        capacity: { cpu: "64", memory: "256Gi", pods: "100000" },
        allocatable: { cpu: "64", memory: "256Gi", pods: "100000" },
      },
    });
  }
}

/**
 * Starts a devcluster. The CLI calls this directly so that it does not load client-node,
 * whose import alone takes seconds on a busy machine.
 */
export async function startDevClusterServer(
  options: DevClusterOptions = {},
): Promise<RunningDevCluster> {
  const dataDir = resolve(options.dataDir ?? ".devcluster");
  mkdirSync(dataDir, { recursive: true });
  const log =
    options.logger ??
    pino({ name: "devcluster", level: process.env.DEVCLUSTER_LOG_LEVEL ?? "warn" });
  const releaseLock = takeLock(dataDir);
  const store = new Store({
    dataDir,
    historySize: options.watchHistorySize ?? 100_000,
    fsync: options.fsync ?? false,
    compactAfterBytes: 256 * 1024 * 1024,
  });
  if (store.skippedLogLines > 0)
    log.warn(
      { skipped: store.skippedLogLines },
      "ignored a torn line at the end of the change log",
    );
  const registry = new Registry();
  const owners = new OwnerIndex(store);
  const api = new ObjectApi(store, registry, owners);
  ensureBaseObjects(api);
  const watches = new WatchHub(store, {
    maxBufferedBytes: options.maxWatchBufferBytes ?? 16 * 1024 * 1024,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
    ...(options.watchFlushIntervalMs !== undefined
      ? { flushIntervalMs: options.watchFlushIntervalMs }
      : {}),
  });
  const tls = loadOrCreateTlsMaterial(dataDir);
  const token = loadOrCreateToken(dataDir);
  const apiServer = createApiServer({ api, watches, tls, token, log });
  const server = apiServer.server;
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfigPath = join(dataDir, "kubeconfig");
  writeKubeconfig(kubeconfigPath, { url, caPem: tls.caPem, token });
  const controllers = startControllers(api, log, {
    switches: options.controllers ?? {},
    podReadyDelayMs: options.podReadyDelayMs ?? 500,
    ...(options.images ? { images: options.images } : {}),
    ...(options.backOffBaseMs !== undefined ? { backOffBaseMs: options.backOffBaseMs } : {}),
  });
  log.info({ url, kubeconfigPath }, "devcluster serving");
  let stopped = false;
  return {
    url,
    port,
    kubeconfigPath,
    dataDir,
    token,
    caPem: tls.caPem,
    async stop() {
      if (stopped) return;
      stopped = true;
      controllers.stop();
      watches.closeAll();
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        apiServer.closeAllConnections();
      });
      store.close();
      releaseLock();
    },
  };
}
