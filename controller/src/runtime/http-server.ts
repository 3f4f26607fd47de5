import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { errorMessage } from "./logger.js";
import type { ChunkWriter } from "./metrics-text.js";

/** A readiness or liveness verdict; `reason` is shown to whoever probes. */
export interface ProbeResult {
  ok: boolean;
  reason?: string;
}

export interface HttpServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Default "0.0.0.0" so the kubelet and Prometheus can reach it. */
  host?: string;
  /**
   * Serve /metrics from this; absent: /metrics answers 404. With `writeTo` the text is
   * streamed in chunks as it is produced (ControllerMetrics has it): at tens of thousands of
   * objects that avoids holding tens of MB of text and copying it twice.
   */
  metrics?: {
    render(): Promise<string>;
    writeTo?: (write: ChunkWriter) => Promise<void>;
    contentType: string;
  };
  /** /readyz. Absent: always ready. */
  readiness?: () => ProbeResult;
  /** /healthz. Absent: healthy while the process answers. */
  liveness?: () => ProbeResult;
  logger?: Logger;
}

export interface RunningHttpServer {
  /** The port actually bound. */
  port: number;
  close(): Promise<void>;
}

/**
 * /healthz, /readyz and /metrics. Readiness follows the original: ready once the informer
 * caches have synced (the caller's `readiness` decides); a standby replica that has synced
 * is ready too, so a rolling update of the controller does not wait on the election.
 */
export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const log = options.logger?.child({ component: "http" });
  const probe = (res: http.ServerResponse, check: (() => ProbeResult) | undefined): void => {
    let result: ProbeResult;
    try {
      result = check?.() ?? { ok: true };
    } catch (error) {
      result = { ok: false, reason: `probe failed: ${errorMessage(error)}` };
    }
    res.writeHead(result.ok ? 200 : 503, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(result.ok ? "ok\n" : `not ready: ${result.reason ?? "unknown"}\n`);
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    switch (path) {
      case "/healthz":
      case "/livez":
        probe(res, options.liveness);
        return;
      case "/readyz":
        probe(res, options.readiness);
        return;
      case "/metrics": {
        const metrics = options.metrics;
        if (metrics === undefined) break;
        const writeTo = metrics.writeTo;
        if (writeTo !== undefined) {
          streamMetrics(res, (write) => writeTo.call(metrics, write), metrics.contentType).catch(
            (error: unknown) => {
              log?.error({ err: errorMessage(error) }, "rendering /metrics failed");
              // Headers are out already: a cut connection tells the scraper the answer is bad.
              res.destroy();
            },
          );
          return;
        }
        metrics.render().then(
          (text) => {
            res.writeHead(200, { "Content-Type": metrics.contentType }).end(text);
          },
          (error: unknown) => {
            log?.error({ err: errorMessage(error) }, "rendering /metrics failed");
            res.writeHead(500, { "Content-Type": "text/plain" }).end("metrics unavailable\n");
          },
        );
        return;
      }
    }
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  });
  // Probes and scrapes are small; a slow client must not hold a socket for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      log?.info({ port }, "serving /healthz, /readyz and /metrics");
      resolve({
        port,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Writes /metrics chunk by chunk, waiting for the socket to drain when the client is slow. */
async function streamMetrics(
  res: http.ServerResponse,
  writeTo: (write: ChunkWriter) => Promise<void>,
  contentType: string,
): Promise<void> {
  res.writeHead(200, { "Content-Type": contentType });
  await writeTo((chunk) => {
    if (res.destroyed) throw new Error("the scraper closed the connection");
    if (res.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  });
  res.end();
}
