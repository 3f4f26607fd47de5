// What every plugin server shares: choosing and preparing the listen address, TLS, the
// standard health service, and a graceful drain on SIGTERM/SIGINT (DESIGN.md §3).
import { lstat, mkdir, unlink } from "node:fs/promises";
import type { SecureServerOptions } from "node:http2";
import { connect } from "node:net";
import { dirname } from "node:path";
import { Capability, type InitResponse } from "@sluice/proto";
import { HealthImplementation } from "grpc-health-check";
import {
  defaultSocketAddress,
  formatAddress,
  listenAddressFrom,
  type PluginAddress,
  parseAddress,
} from "./address.js";
import {
  type HandlerError,
  PluginHttp2Server,
  type ServiceDefinitionLike,
  type UnaryCall,
} from "./http2-server.js";
import { createPluginLogger, type Logger } from "./logger.js";

export interface ServerTlsOptions {
  /** PEM server certificate chain. */
  cert: string | Buffer;
  /** PEM private key of the certificate. */
  key: string | Buffer;
  /** PEM CA bundle to verify client certificates with; required when requireClientCert is set. */
  ca?: string | Buffer;
  /** Demand a client certificate signed by `ca` (mutual TLS). Default false. */
  requireClientCert?: boolean;
}

export interface ServeOptions {
  /** Listen address; overrides `--listen` and SLUICE_PLUGIN_LISTEN. */
  listen?: string;
  /** Arguments searched for `--listen`; default process.argv.slice(2). */
  argv?: readonly string[];
  /** Environment searched for SLUICE_PLUGIN_LISTEN; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** TLS for a TCP listener. Unix sockets are protected by file mode 0600 instead. */
  tls?: ServerTlsOptions;
  /** Logger; default pino JSON on stdout. */
  logger?: Logger;
  /** Drain and exit 0 on SIGTERM/SIGINT. Default true; in-process servers (tests) pass false. */
  handleSignals?: boolean;
  /** How long a drain waits for in-flight calls before cancelling them. Default 10 s. */
  drainTimeoutMs?: number;
}

export interface PluginServerHandle {
  /** The address clients dial: `unix:///...` or `HOST:PORT` (the real port when 0 was asked). */
  readonly address: string;
  readonly logger: Logger;
  /** Stops accepting calls, waits for in-flight ones (up to the drain timeout), then stops. */
  close(): Promise<void>;
}

export interface ServiceSpec {
  /** Full gRPC service name, for the health service (e.g. rollouts.plugin.v1.TrafficRouter). */
  serviceName: string;
  definition: ServiceDefinitionLike;
  handlers: Record<string, UnaryHandler>;
  pluginName: string;
}

/** A unary method as the plugin server calls it (grpc-js's handler shape). */
export type UnaryHandler = (
  call: UnaryCall,
  callback: (error: HandlerError | null, reply?: unknown) => void,
) => void;

/** Adapts a promise-returning method to the server; a rejection becomes INTERNAL (last resort). */
export function unaryHandler<Req, Res>(
  method: string,
  logger: Logger,
  run: (request: Req, deadline: Date | undefined) => Promise<Res>,
): UnaryHandler {
  return (call, callback) => {
    const rawDeadline = call.getDeadline();
    const deadline =
      rawDeadline instanceof Date
        ? rawDeadline
        : Number.isFinite(rawDeadline)
          ? new Date(rawDeadline)
          : undefined;
    run(call.request as Req, deadline).then(
      (reply) => callback(null, reply),
      (error: unknown) => {
        // The typed wrappers already turn plugin exceptions into domain errors; reaching
        // here means the SDK itself failed, which is a contract failure.
        logger.error({ method, err: error }, "plugin call failed outside the implementation");
        callback({ code: 13, details: `${method}: ${String(error)}` });
      },
    );
  };
}

/**
 * The handlers with Init declaring CAPABILITY_CALLS_STREAM: this server serves every service's
 * Calls stream (http2-server.ts), so the capability belongs to the server, not to the handlers
 * (served by another gRPC server, they must not claim it).
 */
function withCallsStream(handlers: Record<string, UnaryHandler>): Record<string, UnaryHandler> {
  const init = handlers.init;
  if (init === undefined) return handlers;
  return {
    ...handlers,
    init: (call, callback) =>
      init(call, (error, reply) => {
        if (error !== null || typeof reply !== "object" || reply === null) {
          callback(error, reply);
          return;
        }
        const answer = reply as InitResponse;
        const capabilities = answer.capabilities.includes(Capability.CALLS_STREAM)
          ? answer.capabilities
          : [...answer.capabilities, Capability.CALLS_STREAM];
        callback(null, { ...answer, capabilities });
      }),
  };
}

export async function startPluginServer(
  spec: ServiceSpec,
  options: ServeOptions,
): Promise<PluginServerHandle> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createPluginLogger(spec.pluginName, env);
  const addressText =
    options.listen ??
    listenAddressFrom(
      options.argv ?? process.argv.slice(2),
      env,
      defaultSocketAddress(spec.pluginName),
    );
  const address = parseAddress(addressText);

  const server = new PluginHttp2Server(
    address.kind === "tcp" ? tlsOptions(options.tls) : undefined,
  );
  server.addService(spec.definition, withCallsStream(spec.handlers));
  const health = new HealthImplementation({ "": "SERVING", [spec.serviceName]: "SERVING" });
  health.addToServer(server as unknown as Parameters<HealthImplementation["addToServer"]>[0]);

  const bound = await bind(server, address);
  logger.info({ address: bound.address, service: spec.serviceName }, "plugin listening");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      health.setStatus("", "NOT_SERVING");
      health.setStatus(spec.serviceName, "NOT_SERVING");
      await drain(server, options.drainTimeoutMs ?? 10_000, logger);
      if (address.kind === "unix") await removeOwnSocket(address.path, bound.inode);
      logger.info({ address: bound.address }, "plugin stopped");
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, "draining in-flight calls before exit");
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    watchSupervisor(logger, () => onSignal("SIGTERM"));
    // A promise an implementation forgot to await must not take the whole plugin down
    // (Node's default for an unhandled rejection is to exit): log it and keep serving.
    process.on("unhandledRejection", (reason: unknown) => {
      logger.error({ err: reason }, "unhandled promise rejection in the plugin; still serving");
    });
  }
  return { address: bound.address, logger, close };
}

/**
 * Set by a supervisor (the controller's plugin host) to its own pid. A plugin started that
 * way stops when its supervisor is gone, even if the supervisor was killed without a chance
 * to stop it (SIGKILL, OOM): no orphan keeps serving on a socket nobody will call.
 */
export const SUPERVISOR_PID_ENV = "SLUICE_PLUGIN_SUPERVISOR_PID";

function watchSupervisor(logger: Logger, stop: () => void): void {
  const expected = Number(process.env[SUPERVISOR_PID_ENV]);
  if (!Number.isInteger(expected) || expected <= 0) return;
  const timer = setInterval(() => {
    // An orphan is re-parented (to init or a subreaper): the parent pid changes.
    if (process.ppid === expected) return;
    clearInterval(timer);
    logger.warn({ supervisor: expected }, "the supervising process is gone; stopping");
    stop();
  }, 1_000);
  timer.unref();
}

function tlsOptions(tls: ServerTlsOptions | undefined): SecureServerOptions | undefined {
  if (tls === undefined) return undefined;
  const requireClientCert = tls.requireClientCert ?? false;
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
    ALPNProtocols: ["h2"],
  };
}

async function bind(
  server: PluginHttp2Server,
  address: PluginAddress,
): Promise<{ address: string; inode: number | undefined }> {
  if (address.kind === "unix") {
    await prepareSocketPath(address.path);
    // The socket is created with mode 0600 (umask 0177 during bind) so that only the
    // plugin's user (and the controller running as it) can connect.
    const previous = process.umask(0o177);
    try {
      await listen(server, formatAddress(address), (done) =>
        server.server.listen(address.path, done),
      );
    } finally {
      process.umask(previous);
    }
    const info = await lstat(address.path);
    return { address: formatAddress(address), inode: info.ino };
  }
  const host = address.host.replace(/^\[|\]$/g, "");
  await listen(server, formatAddress(address), (done) =>
    server.server.listen(address.port, host, done),
  );
  const bound = server.server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
  return { address: formatAddress({ ...address, port }), inode: undefined };
}

function listen(
  server: PluginHttp2Server,
  target: string,
  start: (done: () => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error): void =>
      reject(new Error(`cannot listen on ${target}: ${error.message}`));
    server.server.once("error", failed);
    start(() => {
      server.server.off("error", failed);
      resolve();
    });
  });
}

/**
 * A socket file left by a plugin that died is replaced; one that a live process still
 * answers on is not (two plugins on one socket would steal each other's calls), and a path
 * that is not a socket is never deleted.
 */
async function prepareSocketPath(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if (isErrnoCode(error, "ENOENT")) return;
    throw error;
  }
  if (!isSocket) {
    throw new Error(
      `cannot listen on unix://${path}: the path exists and is not a socket; remove it or choose another --listen`,
    );
  }
  if (await socketAnswers(path)) {
    throw new Error(
      `cannot listen on unix://${path}: another process is serving on it; stop that process or choose another --listen`,
    );
  }
  await unlink(path);
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function removeOwnSocket(path: string, inode: number | undefined): Promise<void> {
  try {
    const info = await lstat(path);
    // Only remove the file we created: a successor may already have replaced it.
    if (info.isSocket() && info.ino === inode) await unlink(path);
  } catch (error) {
    if (!isErrnoCode(error, "ENOENT")) throw error;
  }
}

function drain(server: PluginHttp2Server, timeoutMs: number, logger: Logger): Promise<void> {
  return server.drain(timeoutMs, () =>
    logger.warn({ timeoutMs }, "in-flight calls did not finish in time; cancelling them"),
  );
}

function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}
