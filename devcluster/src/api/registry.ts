import type { JsonObject } from "./types.js";

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/** One served resource (one group/version/plural). */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  statusSubresource: boolean;
  scale?: ScaleSubresource;
  /** Built-in kinds accept strategic merge patch; custom resources do not (as in Kubernetes). */
  builtin: boolean;
  /** CRD schema for this version (openAPIV3Schema), if any. */
  schema?: JsonObject;
  printerColumns?: PrinterColumn[];
  /** Extra subresources served as plain GET (pods/log). */
  extraSubresources?: string[];
  /** Field selectors accepted besides metadata.name and metadata.namespace. */
  fieldLabels?: string[];
}

/** Objects of one group+plural share storage across versions. */
export function storageKey(type: { group: string; plural: string }): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

export function apiVersionOf(type: { group: string; version: string }): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

export function qualifiedKind(type: ResourceType): string {
  return type.group === "" ? type.kind : `${type.kind}.${type.group}`;
}

export function qualifiedResource(type: ResourceType): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

/** The set of served resources; CRDs add and remove entries while the server runs. */
export class Registry {
  private readonly byPath = new Map<string, ResourceType>();

  add(type: ResourceType): void {
    this.byPath.set(`${type.group}/${type.version}/${type.plural}`, type);
  }

  removeWhere(predicate: (type: ResourceType) => boolean): void {
    for (const [key, type] of this.byPath) if (predicate(type)) this.byPath.delete(key);
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  lookupKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const type of this.byPath.values()) {
      if (apiVersionOf(type) === apiVersion && type.kind === kind) return type;
    }
    return undefined;
  }

  /** Any served version of a group+plural (for storage-level work such as GC). */
  anyVersion(key: string): ResourceType | undefined {
    for (const type of this.byPath.values()) if (storageKey(type) === key) return type;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  groupVersions(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const type of this.byPath.values()) {
      const versions = groups.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      groups.set(type.group, versions);
    }
    return groups;
  }
}
