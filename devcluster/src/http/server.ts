import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
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
  if (path === "/api") return sendJson(res, 200, apiVersions(req.headers.host ?? "127.0.0.1"));
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

export function createApiServer(options: HttpOptions): Server {
  const server = createServer(
    { cert: options.tls.certPem, key: options.tls.keyPem },
    (req, res) => {
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
  server.on("clientError", (_error, socket) => {
    socket.destroy();
  });
  return server;
}
