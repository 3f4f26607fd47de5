import type { OwnerIndex } from "../store/owner-index.js";
import type { Store } from "../store/store.js";
import { applyBuiltinDefaults, initialStatus, validateBuiltin } from "./builtin-defaults.js";
import { BUILTIN_RESOURCES } from "./builtin-resources.js";
import { establishedStatus, resourceTypesOf, validateCrd } from "./crds.js";
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  type FieldError,
  invalid,
  notFound,
} from "./errors.js";
import { initializeMetadata, timestamp, validateMetadata } from "./metadata.js";
import { applyPatch } from "./patch/apply-patch.js";
import { applyMergePatchInPlace } from "./patch/merge-patch.js";
import { apiVersionOf, type Registry, type ResourceType, storageKey } from "./registry.js";
import { pruneAndDefault, validateCustomResource, validateValue } from "./schema/structural.js";
import { deepClone, deepEqual, isObject, type KubeObject } from "./types.js";

export interface WriteOptions {
  dryRun?: boolean;
  /** `Strict` turns fields a CRD schema does not declare into a 400 instead of pruning them. */
  fieldValidation?: string;
  /** Server-side apply: the field manager (`fieldManager`) and whether it takes fields over. */
  fieldManager?: string;
  force?: boolean;
}

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: PropagationPolicy;
  /** 0 deletes a pod at once; otherwise a running pod is Terminating for its preStop time. */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** What the API needs from the simulated kubelet (graceful pod deletion and `pods/log`). */
export interface PodRuntime {
  /** How long (ms) a deleted pod stays Terminating; 0 removes it at once. */
  terminationGraceMs(pod: KubeObject, requestedSeconds: number | undefined): number;
  containerLog(pod: KubeObject, container: string | undefined, previous: boolean): string;
}

export const CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io";
export const FOREGROUND_FINALIZER = "foregroundDeletion";
const MODIFIED_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

function isPod(type: ResourceType): boolean {
  return type.group === "" && type.plural === "pods";
}

/** A pod in its grace period stays until the kubelet removes it. */
function terminatingPod(type: ResourceType, obj: KubeObject): boolean {
  return isPod(type) && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
}

/** Everything but metadata (and status when it is a subresource): what bumps `generation`. */
function specPart(obj: KubeObject, withoutStatus: boolean): Record<string, unknown> {
  const { metadata: _metadata, status, ...rest } = obj;
  return withoutStatus ? rest : { ...rest, status };
}

/**
 * The API semantics shared by the HTTP layer and the simulated controllers: create, update,
 * patch and delete with metadata rules, validation, optimistic concurrency and generation.
 * Every method is synchronous, so each request sees and leaves a consistent store.
 */
export class ObjectApi {
  private serviceIpCounter = 10;
  /** Set while the simulated kubelet runs. */
  podRuntime: PodRuntime | undefined;

  constructor(
    readonly store: Store,
    readonly registry: Registry,
    readonly owners: OwnerIndex,
  ) {
    for (const type of BUILTIN_RESOURCES) registry.add(type);
    for (const crd of store.list(CRD_KEY))
      for (const type of resourceTypesOf(crd.obj)) registry.add(type);
    this.serviceIpCounter += store.count("services");
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject {
    const entry = this.store.get(storageKey(type), type.namespaced ? namespace : "", name);
    if (!entry) throw notFound(type, name);
    return entry.obj;
  }

  /** A private, mutable copy of a stored object. */
  copy(type: ResourceType, namespace: string, name: string): KubeObject {
    const entry = this.store.get(storageKey(type), type.namespaced ? namespace : "", name);
    if (!entry) throw notFound(type, name);
    return JSON.parse(entry.json) as KubeObject;
  }

  private checkIdentity(type: ResourceType, body: unknown, namespace: string): KubeObject {
    if (!isObject(body)) throw badRequest(`the body of the request was not a ${type.kind} object`);
    if (body.metadata === undefined) body.metadata = {};
    if (!isObject(body.metadata))
      throw badRequest(`metadata of the ${type.kind} must be an object`);
    const expected = apiVersionOf(type);
    if (body.apiVersion !== undefined && body.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind}) for ${type.plural}`,
      );
    }
    const obj = body as KubeObject;
    obj.apiVersion = expected;
    obj.kind = type.kind;
    if (type.namespaced) {
      const bodyNamespace = obj.metadata.namespace;
      if (bodyNamespace !== undefined && bodyNamespace !== "" && bodyNamespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      obj.metadata.namespace = namespace;
    } else delete obj.metadata.namespace;
    return obj;
  }

  private prepare(type: ResourceType, obj: KubeObject, options: WriteOptions): void {
    if (type.builtin) applyBuiltinDefaults(type.plural, obj, { next: () => this.nextServiceIp() });
    else if (type.schema) {
      const pruned: string[] = [];
      pruneAndDefault(obj, type.schema, true, "", pruned);
      if (pruned.length > 0 && options.fieldValidation === "Strict") {
        const fields = pruned.map((f) => `unknown field "${f}"`).join(", ");
        throw badRequest(
          `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${fields}`,
        );
      }
    }
  }

  private validate(type: ResourceType, obj: KubeObject): void {
    const errors: FieldError[] = validateMetadata(type.plural, obj.metadata);
    if (type.builtin) errors.push(...validateBuiltin(type.plural, obj));
    if (storageKey(type) === CRD_KEY) errors.push(...validateCrd(obj));
    if (!type.builtin) errors.push(...validateCustomResource(obj, type.schema));
    if (errors.length > 0) throw invalid(type.kind, type.group, obj.metadata.name ?? "", errors);
  }

  private nextServiceIp(): string {
    const n = this.serviceIpCounter++;
    return `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  private checkNamespace(type: ResourceType, namespace: string): void {
    if (!type.namespaced) return;
    const ns = this.store.get("namespaces", "", namespace);
    if (!ns) throw notFound({ group: "", plural: "namespaces" }, namespace);
    if (ns.obj.metadata.deletionTimestamp) {
      throw new ApiError(
        403,
        "Forbidden",
        `${type.plural} "" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          group: type.group,
          kind: type.plural,
        },
      );
    }
  }

  create(
    type: ResourceType,
    namespace: string,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const obj = this.checkIdentity(type, body, namespace);
    const managedFields = obj.metadata.managedFields;
    initializeMetadata(obj, new Date());
    // Only a server-side apply that creates the object brings the fields it owns.
    if (options.fieldManager !== undefined && managedFields !== undefined)
      obj.metadata.managedFields = managedFields;
    if (type.statusSubresource) {
      const status = initialStatus(type.plural);
      if (status === undefined) delete obj.status;
      else obj.status = status;
    }
    this.prepare(type, obj, options);
    this.validate(type, obj);
    this.checkNamespace(type, namespace);
    const key = storageKey(type);
    const name = obj.metadata.name ?? "";
    if (this.store.get(key, obj.metadata.namespace ?? "", name)) throw alreadyExists(type, name);
    if (key === CRD_KEY) {
      obj.status = establishedStatus(obj, timestamp(new Date()));
      this.checkCrdConflict(obj);
    }
    if (options.dryRun) {
      obj.metadata.resourceVersion = "";
      return obj;
    }
    this.store.put(key, obj);
    if (key === CRD_KEY) this.registerCrd(obj);
    return obj;
  }

  private checkCrdConflict(crd: KubeObject): void {
    for (const type of resourceTypesOf(crd)) {
      const existing = this.registry.lookup(type.group, type.version, type.plural);
      if (existing?.builtin) {
        throw invalid("CustomResourceDefinition", "apiextensions.k8s.io", crd.metadata.name ?? "", [
          {
            type: "FieldValueInvalid",
            field: "spec.names.plural",
            detail: `Invalid value: "${type.plural}": is already served by a built-in resource`,
          },
        ]);
      }
    }
  }

  private registerCrd(crd: KubeObject): void {
    const types = resourceTypesOf(crd);
    const first = types[0];
    if (first) this.registry.removeWhere((t) => !t.builtin && storageKey(t) === storageKey(first));
    for (const type of types) this.registry.add(type);
  }

  update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const existing = this.get(type, namespace, name);
    const obj = this.checkIdentity(type, body, namespace);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    const requested = obj.metadata.resourceVersion;
    if (
      requested !== undefined &&
      requested !== "" &&
      requested !== existing.metadata.resourceVersion
    ) {
      throw conflict(type, name, MODIFIED_MESSAGE);
    }
    const previous = existing.metadata;
    obj.metadata = {
      ...obj.metadata,
      name,
      uid: previous.uid,
      creationTimestamp: previous.creationTimestamp,
      resourceVersion: previous.resourceVersion,
      generation: previous.generation ?? 1,
    };
    if (type.namespaced) obj.metadata.namespace = namespace;
    // An update that does not mention managedFields keeps them, as on the API server.
    if (obj.metadata.managedFields === undefined && previous.managedFields !== undefined)
      obj.metadata.managedFields = previous.managedFields;
    if (previous.deletionTimestamp) obj.metadata.deletionTimestamp = previous.deletionTimestamp;
    else delete obj.metadata.deletionTimestamp;
    if (previous.deletionGracePeriodSeconds !== undefined)
      obj.metadata.deletionGracePeriodSeconds = previous.deletionGracePeriodSeconds;
    if (type.statusSubresource) {
      if (existing.status === undefined) delete obj.status;
      else obj.status = existing.status;
    }
    if (type.plural === "namespaces") obj.spec = existing.spec;
    this.prepare(type, obj, options);
    this.validate(type, obj);
    if (
      !deepEqual(specPart(obj, type.statusSubresource), specPart(existing, type.statusSubresource))
    ) {
      obj.metadata.generation = (previous.generation ?? 1) + 1;
    }
    return this.commit(type, existing, obj, options);
  }

  updateStatus(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    options: WriteOptions = {},
    /**
     * `body` is a private copy of the stored object that differs from it only under
     * `status` (a merge patch of `status` alone): it is used as the new object as it is,
     * instead of copying the stored object once more to take the status over.
     */
    bodyDiffersOnlyInStatus = false,
  ): KubeObject {
    const existing = this.get(type, namespace, name);
    const incoming = this.checkIdentity(type, body, namespace);
    const requested = incoming.metadata.resourceVersion;
    if (
      requested !== undefined &&
      requested !== "" &&
      requested !== existing.metadata.resourceVersion
    ) {
      throw conflict(type, name, MODIFIED_MESSAGE);
    }
    let obj: KubeObject;
    if (bodyDiffersOnlyInStatus) {
      obj = incoming;
    } else {
      obj = this.copy(type, namespace, name);
      if (incoming.status === undefined) delete obj.status;
      else obj.status = incoming.status;
    }
    if (!type.builtin && type.schema) {
      const errors = checkStatus(obj, type.schema);
      if (errors.length > 0) throw invalid(type.kind, type.group, name, errors);
    }
    return this.commit(type, existing, obj, options);
  }

  /** Writes an updated object unless nothing changed; completes a finalized deletion. */
  private commit(
    type: ResourceType,
    existing: KubeObject,
    obj: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const key = storageKey(type);
    const finalizers = obj.metadata.finalizers;
    if (Array.isArray(finalizers) && finalizers.length === 0) delete obj.metadata.finalizers;
    if (deepEqual(obj, existing)) return existing;
    if (options.dryRun) return obj;
    if (
      obj.metadata.deletionTimestamp &&
      !obj.metadata.finalizers?.length &&
      type.plural !== "namespaces" &&
      !terminatingPod(type, obj)
    ) {
      return (
        this.store.remove(key, obj.metadata.namespace ?? "", obj.metadata.name ?? "")?.obj ?? obj
      );
    }
    this.store.put(key, obj);
    if (key === CRD_KEY) this.registerCrd(obj);
    return obj;
  }

  /** `patch` is consumed: a merge patch's values move into the stored object uncopied. */
  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    contentType: string,
    patch: unknown,
    subresource: "status" | undefined,
    options: WriteOptions = {},
  ): KubeObject {
    if (
      subresource === "status" &&
      contentType === "application/merge-patch+json" &&
      isObject(patch) &&
      isObject(patch.status) &&
      Object.keys(patch).length === 1 &&
      hasStatusSchema(type)
    ) {
      // The common status write (a controller's merge patch of `status` alone, on a resource
      // whose schema declares status): only the status is copied, not the whole stored object.
      const stored = this.get(type, namespace, name);
      return this.updateStatus(
        type,
        namespace,
        name,
        withMergedStatus(stored, patch.status),
        options,
        true,
      );
    }
    const patched = applyPatch(this.copy(type, namespace, name), contentType, patch, type.builtin);
    if (subresource !== "status") return this.update(type, namespace, name, patched, options);
    const onlyStatus =
      contentType === "application/merge-patch+json" &&
      isObject(patch) &&
      Object.keys(patch).length === 1 &&
      Object.hasOwn(patch, "status");
    return this.updateStatus(type, namespace, name, patched, options, onlyStatus);
  }

  delete(
    type: ResourceType,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const key = storageKey(type);
    const existing = this.get(type, namespace, name);
    const { preconditions } = options;
    if (preconditions?.uid && preconditions.uid !== existing.metadata.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${existing.metadata.uid ?? ""}`,
      );
    }
    if (
      preconditions?.resourceVersion &&
      preconditions.resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in meta: ${existing.metadata.resourceVersion ?? ""}`,
      );
    }
    if (options.dryRun) return existing;
    const uid = existing.metadata.uid ?? "";
    if (options.propagationPolicy === "Orphan") this.orphanDependents(uid);
    const finalizers = [...(existing.metadata.finalizers ?? [])];
    const foreground =
      options.propagationPolicy === "Foreground" && this.owners.dependentsOf(uid).length > 0;
    if (foreground && !finalizers.includes(FOREGROUND_FINALIZER))
      finalizers.push(FOREGROUND_FINALIZER);
    if (isPod(type) && finalizers.length === 0 && options.gracePeriodSeconds !== 0) {
      if (existing.metadata.deletionTimestamp) return existing;
      const graceMs =
        this.podRuntime?.terminationGraceMs(existing, options.gracePeriodSeconds) ?? 0;
      if (graceMs > 0) {
        // As on a real cluster: deletionTimestamp is when the grace period ends.
        const obj = JSON.parse(JSON.stringify(existing)) as KubeObject;
        obj.metadata.deletionTimestamp = timestamp(new Date(Date.now() + graceMs));
        obj.metadata.deletionGracePeriodSeconds = Math.ceil(graceMs / 1000);
        this.store.put(key, obj);
        return obj;
      }
    }
    // Namespaces always pass through Terminating: their content is removed first.
    if (finalizers.length > 0 || type.plural === "namespaces") {
      const obj = JSON.parse(JSON.stringify(existing)) as KubeObject;
      if (!obj.metadata.deletionTimestamp) {
        obj.metadata.deletionTimestamp = timestamp(new Date());
        obj.metadata.deletionGracePeriodSeconds = 0;
      }
      if (finalizers.length > 0) obj.metadata.finalizers = finalizers;
      if (type.plural === "namespaces") obj.status = { phase: "Terminating" };
      if (deepEqual(obj, existing)) return existing;
      this.store.put(key, obj);
      return obj;
    }
    const removed = this.store.remove(key, type.namespaced ? namespace : "", name);
    if (key === CRD_KEY) this.unregisterCrd(existing);
    return removed?.obj ?? existing;
  }

  private orphanDependents(uid: string): void {
    for (const ref of this.owners.dependentsOf(uid)) {
      const entry = this.store.get(ref.key, ref.namespace, ref.name);
      if (!entry) continue;
      const obj = JSON.parse(entry.json) as KubeObject;
      obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter(
        (owner) => owner.uid !== uid,
      );
      if (obj.metadata.ownerReferences.length === 0) delete obj.metadata.ownerReferences;
      this.store.put(ref.key, obj);
    }
  }

  /** A deleted CRD stops being served and takes its custom resources with it. */
  private unregisterCrd(crd: KubeObject): void {
    const types = resourceTypesOf(crd);
    const first = types[0];
    if (!first) return;
    const key = storageKey(first);
    this.registry.removeWhere((t) => !t.builtin && storageKey(t) === key);
    for (const entry of [...this.store.list(key)]) {
      this.store.remove(key, entry.obj.metadata.namespace ?? "", entry.obj.metadata.name ?? "");
    }
  }
}

/**
 * Prunes, defaults and validates what a status write may change: the `status` subtree alone
 * when the schema describes it (the rest of the object is the stored one, already checked
 * when it was written; for a Rollout the pod template is most of the object), errors reported
 * under `status` as the API server does. Without a status schema, or when the write removes
 * the status, the whole object is checked and only errors under `status` count, as before.
 */
/** A custom resource whose schema declares `status`: checkStatus then touches `status` alone. */
function hasStatusSchema(type: ResourceType): boolean {
  if (type.builtin || !isObject(type.schema)) return false;
  const properties = type.schema.properties;
  return isObject(properties) && properties.status !== undefined;
}

/**
 * `stored` with a merge patch of its status applied, as a new object that shares everything
 * but `status` (and a shallow copy of `metadata`, which writes stamp) with the stored one:
 * nothing on the status write path changes those parts. Status fields the patch replaces or
 * removes are not copied; those it merges into are deep-copied first. The patch is consumed.
 */
function withMergedStatus(stored: KubeObject, statusPatch: Record<string, unknown>): KubeObject {
  const status: Record<string, unknown> = {};
  if (isObject(stored.status)) {
    for (const key of Object.keys(stored.status)) {
      const incoming = statusPatch[key];
      if (incoming !== undefined && !isObject(incoming)) continue;
      status[key] = deepClone(stored.status[key]);
    }
  }
  applyMergePatchInPlace(status, statusPatch);
  return { ...stored, metadata: { ...stored.metadata }, status };
}

function checkStatus(obj: KubeObject, schema: Record<string, unknown>): FieldError[] {
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  const statusSchema = properties?.status;
  if (statusSchema === undefined || obj.status === undefined) {
    pruneAndDefault(obj, schema, true);
    return validateCustomResource(obj, schema).filter((e) => e.field.startsWith("status"));
  }
  obj.status = pruneAndDefault(obj.status, statusSchema, false, "status");
  const errors: FieldError[] = [];
  validateValue(obj.status, statusSchema, "status", errors);
  return errors;
}
