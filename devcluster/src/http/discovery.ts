import type { Registry, ResourceType } from "../api/registry.js";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function resourceEntries(type: ResourceType): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [
    {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: VERBS,
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    },
  ];
  if (type.statusSubresource) {
    entries.push({
      name: `${type.plural}/status`,
      singularName: "",
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: ["get", "patch", "update"],
    });
  }
  if (type.scale) {
    entries.push({
      name: `${type.plural}/scale`,
      singularName: "",
      namespaced: type.namespaced,
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "patch", "update"],
    });
  }
  if (type.group === "" && type.plural === "pods") {
    entries.push({
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  }
  for (const extra of type.extraSubresources ?? []) {
    entries.push({
      name: `${type.plural}/${extra}`,
      singularName: "",
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: ["get"],
    });
  }
  return entries;
}

export function apiResourceList(
  registry: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: types.sort((a, b) => a.plural.localeCompare(b.plural)).flatMap(resourceEntries),
  };
}

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(registry: Registry): Record<string, unknown> {
  const groups = [...registry.groupVersions().entries()]
    .filter(([name]) => name !== "")
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([name, versions]) => groupEntry(name, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroup(registry: Registry, group: string): Record<string, unknown> | undefined {
  const versions = registry.groupVersions().get(group);
  if (!versions || group === "") return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions) };
}

export function apiVersions(address: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: address }],
  };
}

export const VERSION_INFO = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-devcluster",
  gitCommit: "devcluster",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "n/a",
  compiler: "n/a",
  platform: "linux/amd64",
};
