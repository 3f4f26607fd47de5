import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from "node:http2";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { ApiError } from "../api/errors.js";
import type { ObjectApi } from "../api/objects.js";
import type { TlsMaterial } from "../tls/certificate.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from "./discovery.js";
import { openApiV2, openApiV3 } from "./openapi.js";
import { parseApiPath } from "./request.js";
import { handleResource, sendJson } from "./resources.js";
import type { WatchHub } from "./watch.js";

export interface HttpOptions {
  api: ObjectApi;
  watches: WatchHub;
  tls: TlsMaterial;
  token: string;
  log: Logger;
}

const PUBLIC_PATHS = new Set(["/healthz", "/readyz", "/livez", "/version"]);

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice(7).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function statusResponse(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.code, error.toStatus());
}

async function route(
  options: HttpOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "https://devcluster");
  } catch {
    throw new ApiError(
      400,
      "BadRequest",
      `the request URL ${JSON.stringify(req.url ?? "")} does not parse`,
    );
  }
  const path = url.pathname.replace(/\/+$/, "") || "/";
  if (PUBLIC_PATHS.has(path)) {
    if (path === "/version") return sendJson(res, 200, VERSION_INFO);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  if (!authorized(req, options.token)) {
    throw new ApiError(
      401,
      "Unauthorized",
      "Unauthorized: devcluster needs the bearer token from its kubeconfig",
    );
  }
  const { api, watches } = options;
  if (path === "/api") {
    // HTTP/2 names the host in the :authority pseudo-header instead of Host.
    const authority = req.headers.host ?? req.headers[":authority"];
    return sendJson(res, 200, apiVersions(typeof authority === "string" ? authority : "127.0.0.1"));
  }
  if (path === "/apis") return sendJson(res, 200, apiGroupList(api.registry));
  if (path === "/openapi/v3" || path.startsWith("/openapi/v3/")) {
    const document = openApiV3(api.registry, path);
    if (!document) throw new ApiError(404, "NotFound", `no OpenAPI document at ${path}`);
    return sendJson(res, 200, document);
  }
  if (path === "/openapi/v2") {
    // client-go asks for the protobuf encoding first; like the API server with an encoding it
    // cannot produce, devcluster answers 406, and clients that accept JSON get JSON.
    const accept = String(req.headers.accept ?? "");
    if (accept !== "" && !/application\/json|\*\/\*/.test(accept)) {
      throw new ApiError(
        406,
        "NotAcceptable",
        `devcluster serves /openapi/v2 only as application/json, not ${accept}`,
      );
    }
    return sendJson(res, 200, openApiV2(api.registry));
  }
  if (path.startsWith("/openapi/")) {
    throw new ApiError(404, "NotFound", `no OpenAPI document at ${path}`);
  }
  const segments = path.split("/").filter((s) => s !== "");
  if (segments[0] === "apis" && segments.length === 2) {
    const group = apiGroup(api.registry, segments[1] ?? "");
    if (!group)
      throw new ApiError(
        404,
        "NotFound",
        `the server could not find the requested resource: API group ${segments[1] ?? ""}`,
      );
    return sendJson(res, 200, group);
  }
  const parsed = parseApiPath(path);
  if (!parsed)
    throw new ApiError(
      404,
      "NotFound",
      `the server could not find the requested resource (${path})`,
    );
  if (parsed.plural === undefined) {
    const list = apiResourceList(api.registry, parsed.group, parsed.version);
    if (!list)
      throw new ApiError(
        404,
        "NotFound",
        `the server could not find the requested resource: ${path}`,
      );
    return sendJson(res, 200, list);
  }
  const type = api.registry.lookup(parsed.group, parsed.version, parsed.plural);
  if (!type) {
    const gv = parsed.group === "" ? parsed.version : `${parsed.group}/${parsed.version}`;
    throw new ApiError(
      404,
      "NotFound",
      `the server could not find the requested resource: ${parsed.plural} is not served in ${gv}`,
    );
  }
  if (!type.namespaced && parsed.namespace !== undefined) {
    throw new ApiError(
      404,
      "NotFound",
      `${type.plural} is cluster-scoped; request it without /namespaces/${parsed.namespace}`,
    );
  }
  if (type.namespaced && parsed.namespace === undefined && parsed.name !== undefined) {
    throw new ApiError(
      404,
      "NotFound",
      `${type.plural} is namespaced; request it under /namespaces/NAMESPACE/${type.plural}`,
    );
  }
  if (type.namespaced && parsed.namespace === undefined && req.method !== "GET") {
    throw new ApiError(
      405,
      "MethodNotAllowed",
      `${req.method ?? ""} on all namespaces of ${type.plural} is not supported; name a namespace`,
    );
  }
  await handleResource(
    {
      api,
      watches,
      type,
      namespace: parsed.namespace ?? "",
      name: parsed.name,
      subresource: parsed.subresource,
      query: url.searchParams,
    },
    req,
    res,
  );
}

export interface ApiServer {
  server: Http2SecureServer;
  /** Ends every open connection, HTTP/1.1 and HTTP/2 alike (watches included). */
  closeAllConnections(): void;
}

/** Streams one HTTP/2 connection may carry at once: a controller's watches and workers fit. */
const MAX_CONCURRENT_STREAMS = 1000;
/** HTTP/2 flow-control windows (the protocol's default is 64 KiB per stream and connection). */
const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
const SESSION_WINDOW_BYTES = 64 * 1024 * 1024;

/**
 * The API server speaks HTTP/2 to clients that offer it during the TLS handshake (client-go,
 * kubectl, the controller) and HTTP/1.1 to the rest. Handlers are written against the
 * HTTP/1.1 request and response; the HTTP/2 compatibility objects provide the same members
 * they use (method, url, headers, body stream; writeHead, write, end, flushHeaders,
 * writableLength, destroy, 'drain' and 'close'), except `destroyed` (see list.ts) and the
 * Host header (see /api above).
 */
export function createApiServer(options: HttpOptions): ApiServer {
  const server = createSecureServer(
    {
      cert: options.tls.certPem,
      key: options.tls.keyPem,
      allowHTTP1: true,
      // Wide flow-control windows: hundreds of writes arrive at once on one connection, and
      // the 64 KiB defaults would make each wait for window updates.
      settings: {
        maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
        initialWindowSize: STREAM_WINDOW_BYTES,
      },
    },
    (http2Request, http2Response) => {
      const req = http2Request as unknown as IncomingMessage;
      const res = http2Response as unknown as ServerResponse;
      const started = Date.now();
      route(options, req, res)
        .catch((error: unknown) => {
          if (error instanceof ApiError) {
            statusResponse(res, error);
            return;
          }
          options.log.error(
            { err: error, method: req.method, url: req.url },
            "request failed inside devcluster",
          );
          statusResponse(
            res,
            new ApiError(
              500,
              "InternalError",
              `devcluster failed to serve ${req.method ?? ""} ${req.url ?? ""}: ${(error as Error).message}`,
            ),
          );
        })
        .finally(() => {
          if (options.log.isLevelEnabled("debug")) {
            options.log.debug(
              {
                method: req.method,
                url: req.url,
                status: res.statusCode,
                ms: Date.now() - started,
              },
              "request",
            );
          }
        });
    },
  );
  // HTTP/1.1 connections are served by node:http's connection handling, which reads its idle
  // keep-alive limit from the server object (the http2 server's type does not declare it).
  Object.assign(server, { keepAliveTimeout: 60_000 });
  // HTTP/1.1 requests that do not parse: drop the connection (as before, without an answer).
  server.on("clientError", (_error: Error, socket: { destroy(): void }) => {
    socket.destroy();
  });
  // A client that breaks HTTP/2 framing loses its session; nothing else is affected.
  server.on("sessionError", () => {});
  server.on("session", (session: ServerHttp2Session) =>
    session.setLocalWindowSize(SESSION_WINDOW_BYTES),
  );
  // Small writes (a watch event, a short answer) leave at once: node:https servers turn
  // Nagle's algorithm off by themselves, the http2 server does not (with it on, watch
  // deliveries to HTTP/1.1 watchers waited for the peer's delayed ACK: p50 6 → 14 ms).
  server.on("connection", (socket: Socket) => socket.setNoDelay(true));
  const sockets = new Set<TLSSocket>();
  server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    server,
    closeAllConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
