import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, badRequest, notFound } from "../api/errors.js";
import type { DeleteOptions, ObjectApi, PropagationPolicy, WriteOptions } from "../api/objects.js";
import { applyObject } from "../api/patch/server-side-apply.js";
import { apiVersionOf, type ResourceType, storageKey } from "../api/registry.js";
import {
  type FieldSelector,
  type LabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "../api/selectors.js";
import { isObject, type KubeObject } from "../api/types.js";
import { evictPod } from "./eviction.js";
import { serveList } from "./list.js";
import { mediaType, parseBody, readBody, wantsTable } from "./request.js";
import { getScale, updateScale } from "./scale.js";
import { toTable } from "./table.js";
import type { WatchHub } from "./watch.js";

export interface ResourceContext {
  api: ObjectApi;
  watches: WatchHub;
  type: ResourceType;
  namespace: string;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
}

import { sendJson } from "./send.js";

export { sendJson };

function selectors(ctx: ResourceContext): { labels: LabelSelector; fields: FieldSelector } {
  return {
    labels: parseLabelSelector(ctx.query.get("labelSelector") ?? ""),
    fields: parseFieldSelector(
      ctx.query.get("fieldSelector") ?? "",
      ctx.type.fieldLabels ?? [],
      ctx.type.plural,
    ),
  };
}

function writeOptions(query: URLSearchParams): WriteOptions {
  const fieldValidation = query.get("fieldValidation");
  return { dryRun: dryRun(query), ...(fieldValidation ? { fieldValidation } : {}) };
}

function dryRun(query: URLSearchParams): boolean {
  const values = query.getAll("dryRun");
  for (const value of values)
    if (value !== "All") throw badRequest(`dryRun must be "All", got "${value}"`);
  return values.length > 0;
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function list(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> | undefined {
  const { labels, fields } = selectors(ctx);
  return serveList(ctx.api.store, ctx.type, ctx.type.namespaced ? ctx.namespace : undefined, res, {
    labels,
    fields,
    limit: integerParam(ctx.query, "limit"),
    continueToken: ctx.query.get("continue") ?? undefined,
    table: wantsTable(req) ? (ctx.query.get("includeObject") ?? "Metadata") : undefined,
  });
}

function watch(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse): void {
  const { labels, fields } = selectors(ctx);
  const rawRv = ctx.query.get("resourceVersion") ?? "";
  if (rawRv !== "" && !/^\d+$/.test(rawRv))
    throw badRequest(`resourceVersion "${rawRv}" is not a valid resource version`);
  const timeout = integerParam(ctx.query, "timeoutSeconds");
  ctx.watches.serve(
    {
      key: storageKey(ctx.type),
      namespace: ctx.type.namespaced ? ctx.namespace : "",
      labels,
      fields,
      resourceVersion: rawRv === "" ? undefined : Number(rawRv),
      bookmarks: ctx.query.get("allowWatchBookmarks") === "true",
      sendInitialEvents: ctx.query.get("sendInitialEvents") === "true",
      timeoutSeconds: timeout ?? 1800,
      apiVersion: apiVersionOf(ctx.type),
      kind: ctx.type.kind,
      ...(wantsTable(req)
        ? {
            render: (obj: KubeObject) =>
              JSON.stringify(
                toTable(ctx.type, [obj], ctx.query.get("includeObject") ?? "Metadata", {
                  resourceVersion: obj.metadata.resourceVersion,
                }),
              ),
          }
        : {}),
    },
    res,
  );
}

function deleteOptions(ctx: ResourceContext, body: unknown): DeleteOptions {
  const options: DeleteOptions = { dryRun: dryRun(ctx.query) };
  let policy = ctx.query.get("propagationPolicy") ?? undefined;
  if (isObject(body)) {
    if (typeof body.propagationPolicy === "string") policy = body.propagationPolicy;
    if (body.orphanDependents === true) policy = "Orphan";
    if (Array.isArray(body.dryRun) && body.dryRun.includes("All")) options.dryRun = true;
    if (isObject(body.preconditions)) {
      const { uid, resourceVersion } = body.preconditions;
      options.preconditions = {
        ...(typeof uid === "string" ? { uid } : {}),
        ...(typeof resourceVersion === "string" ? { resourceVersion } : {}),
      };
    }
  }
  if (ctx.query.get("orphanDependents") === "true") policy = "Orphan";
  const grace =
    integerParam(ctx.query, "gracePeriodSeconds") ??
    (isObject(body) && typeof body.gracePeriodSeconds === "number"
      ? body.gracePeriodSeconds
      : undefined);
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  if (policy !== undefined) {
    if (!["Background", "Foreground", "Orphan"].includes(policy)) {
      throw badRequest(
        `propagationPolicy must be Background, Foreground or Orphan, got "${policy}"`,
      );
    }
    options.propagationPolicy = policy as PropagationPolicy;
  }
  return options;
}

function isPods(type: ResourceType): boolean {
  return type.group === "" && type.plural === "pods";
}

/** `tailLines` of a log, as kubectl logs --tail asks. */
function tail(text: string, query: URLSearchParams): string {
  const lines = integerParam(query, "tailLines");
  if (lines === undefined) return text;
  const parts = text.split("\n");
  const trailing = parts[parts.length - 1] === "" ? parts.pop() : undefined;
  const kept = parts.slice(Math.max(0, parts.length - lines));
  return kept.join("\n") + (trailing !== undefined && kept.length > 0 ? "\n" : "");
}

async function optionalBody(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  return body.length === 0 ? undefined : parseBody(body, mediaType(req));
}

function sendObject(res: ServerResponse, code: number, obj: KubeObject): void {
  sendJson(res, code, obj);
}

/** Serves one request for a resource collection, object or subresource. */
export async function handleResource(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { api, type, namespace, name, subresource } = ctx;
  const method = req.method ?? "GET";
  if (subresource !== undefined) {
    if (name === undefined) throw notFound(type, "");
    if (subresource === "scale" && type.scale) {
      if (method === "GET") return sendJson(res, 200, getScale(api, type, namespace, name));
      if (method === "PUT" || method === "PATCH") {
        const body = parseBody(await readBody(req), mediaType(req));
        return sendJson(
          res,
          200,
          updateScale(api, type, namespace, name, method, mediaType(req), body, dryRun(ctx.query)),
        );
      }
    } else if (subresource === "status" && type.statusSubresource) {
      if (method === "GET") return sendObject(res, 200, api.get(type, namespace, name));
      const body = parseBody(await readBody(req), mediaType(req));
      if (method === "PUT")
        return sendObject(
          res,
          200,
          api.updateStatus(type, namespace, name, body, { dryRun: dryRun(ctx.query) }),
        );
      if (method === "PATCH") {
        return sendObject(
          res,
          200,
          api.patch(type, namespace, name, mediaType(req), body, "status", {
            dryRun: dryRun(ctx.query),
          }),
        );
      }
    } else if (isPods(type) && subresource === "eviction") {
      if (method === "POST") {
        const body = parseBody(await readBody(req), mediaType(req));
        return sendJson(res, 201, evictPod(api, type, namespace, name, body));
      }
    } else if (type.extraSubresources?.includes(subresource) && method === "GET") {
      const obj = api.get(type, namespace, name);
      const text =
        isPods(type) && subresource === "log" && api.podRuntime
          ? api.podRuntime.containerLog(
              obj,
              ctx.query.get("container") ?? undefined,
              ctx.query.get("previous") === "true",
            )
          : "";
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(tail(text, ctx.query));
      return;
    } else
      throw new ApiError(
        404,
        "NotFound",
        `the server could not find the requested resource: ${type.plural}/${subresource}`,
      );
    throw new ApiError(
      405,
      "MethodNotAllowed",
      `${method} is not supported on ${type.plural}/${subresource}`,
    );
  }
  if (name === undefined) {
    switch (method) {
      case "GET":
        if (ctx.query.get("watch") === "true" || ctx.query.get("watch") === "1")
          return watch(ctx, req, res);
        return list(ctx, req, res);
      case "POST": {
        const body = parseBody(await readBody(req), mediaType(req));
        return sendObject(res, 201, api.create(type, namespace, body, writeOptions(ctx.query)));
      }
      case "DELETE": {
        const options = deleteOptions(ctx, await optionalBody(req));
        const { labels, fields } = selectors(ctx);
        const deleted: KubeObject[] = [];
        for (const entry of [
          ...api.store.list(storageKey(type), type.namespaced ? namespace : undefined),
        ]) {
          if (
            !matchesLabels(labels, entry.obj.metadata.labels) ||
            !matchesFields(fields, entry.obj)
          )
            continue;
          deleted.push(
            api.delete(
              type,
              entry.obj.metadata.namespace ?? "",
              entry.obj.metadata.name ?? "",
              options,
            ),
          );
        }
        const head = JSON.stringify({
          kind: `${type.kind}List`,
          apiVersion: apiVersionOf(type),
          metadata: { resourceVersion: String(api.store.currentResourceVersion) },
        });
        return sendJson(res, 200, `${head.slice(0, -1)},"items":${JSON.stringify(deleted)}}`);
      }
      default:
        throw new ApiError(
          405,
          "MethodNotAllowed",
          `${method} is not supported on the ${type.plural} collection`,
        );
    }
  }
  switch (method) {
    case "GET": {
      const obj = api.get(type, namespace, name);
      if (wantsTable(req)) {
        return sendJson(
          res,
          200,
          toTable(type, [obj], ctx.query.get("includeObject") ?? "Metadata", {
            resourceVersion: obj.metadata.resourceVersion,
          }),
        );
      }
      const entry = api.store.get(storageKey(type), type.namespaced ? namespace : "", name);
      return sendJson(res, 200, entry?.json ?? obj);
    }
    case "PUT": {
      const body = parseBody(await readBody(req), mediaType(req));
      return sendObject(res, 200, api.update(type, namespace, name, body, writeOptions(ctx.query)));
    }
    case "PATCH": {
      const contentType = mediaType(req);
      const body = parseBody(
        await readBody(req),
        contentType === "application/apply-patch+yaml" ? "application/yaml" : contentType,
      );
      if (contentType === "application/apply-patch+yaml") {
        const existed = api.store.get(storageKey(type), type.namespaced ? namespace : "", name);
        const force = ctx.query.get("force");
        if (force !== null && force !== "true" && force !== "false")
          throw badRequest(`force must be true or false, got "${force}"`);
        const fieldManager = ctx.query.get("fieldManager") ?? undefined;
        const applied = applyObject(api, type, namespace, name, body, {
          ...writeOptions(ctx.query),
          force: force === "true",
          ...(fieldManager !== undefined ? { fieldManager } : {}),
        });
        return sendObject(res, existed ? 200 : 201, applied);
      }
      return sendObject(
        res,
        200,
        api.patch(type, namespace, name, contentType, body, undefined, writeOptions(ctx.query)),
      );
    }
    case "DELETE": {
      const options = deleteOptions(ctx, await optionalBody(req));
      const obj = api.delete(type, namespace, name, options);
      return sendObject(
        res,
        obj.metadata.deletionTimestamp &&
          api.store.get(storageKey(type), obj.metadata.namespace ?? "", name)
          ? 202
          : 200,
        obj,
      );
    }
    default:
      throw new ApiError(
        405,
        "MethodNotAllowed",
        `${method} is not supported on ${type.plural}/${name}`,
      );
  }
}
