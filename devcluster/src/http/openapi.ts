import { createHash } from "node:crypto";
import type { Registry, ResourceType } from "../api/registry.js";
import { schemasFor } from "./openapi-schemas.js";

/**
 * OpenAPI for kubectl. v3: one document per group/version whose PATCH operations carry
 * `x-kubernetes-group-version-kind` and the `fieldValidation` parameter (seeing that, kubectl
 * leaves validation to the server), and whose components hold each kind's schema (what
 * `kubectl explain` reads). The operations declare no request body, so kubectl computes apply
 * patches from its built-in types (strategic) or as merge patches (custom resources), never
 * from these schemas. v2 (`/openapi/v2`, JSON only): the same schemas as Swagger 2.0
 * definitions, without paths, for older clients.
 */
function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function operations(type: ResourceType): Record<string, unknown> {
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const parameters = [
    { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
  ];
  const operation = (id: string): Record<string, unknown> => ({
    operationId: `${id}${type.kind}`,
    "x-kubernetes-action": id === "patch" ? "patch" : id === "replace" ? "put" : "post",
    "x-kubernetes-group-version-kind": gvk,
    parameters,
    responses: { "200": { description: "OK" } },
  });
  const base = `/${gvPath(type.group, type.version)}${type.namespaced ? "/namespaces/{namespace}" : ""}/${type.plural}`;
  return {
    [base]: { post: operation("create") },
    [`${base}/{name}`]: { patch: operation("patch"), put: operation("replace") },
  };
}

function documentFor(types: ResourceType[]): Record<string, unknown> {
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes (devcluster)", version: "v1.32.0" },
    paths: Object.assign({}, ...types.map(operations)),
    components: { schemas: schemasFor(types, "v3") },
  };
}

/** The Swagger 2.0 document: every served kind's schema, no paths (see above). */
export function openApiV2(registry: Registry): Record<string, unknown> {
  return {
    swagger: "2.0",
    info: { title: "Kubernetes (devcluster)", version: "v1.32.0" },
    paths: {},
    definitions: schemasFor(registry.all(), "v2"),
  };
}

export function openApiV3(registry: Registry, path: string): Record<string, unknown> | undefined {
  const groups = new Map<string, ResourceType[]>();
  for (const type of registry.all()) {
    const key = gvPath(type.group, type.version);
    groups.set(key, [...(groups.get(key) ?? []), type]);
  }
  if (path === "/openapi/v3") {
    const paths: Record<string, unknown> = {};
    for (const [key, types] of groups) {
      const hash = createHash("sha256")
        .update(JSON.stringify(documentFor(types)))
        .digest("hex")
        .slice(0, 32)
        .toUpperCase();
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
    return { paths };
  }
  const types = groups.get(path.slice("/openapi/v3/".length));
  return types ? documentFor(types) : undefined;
}
