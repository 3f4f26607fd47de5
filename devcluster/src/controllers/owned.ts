import type { ObjectApi } from "../api/objects.js";
import type { KubeObject, OwnerReference } from "../api/types.js";

/** Objects of one storage key whose controller owner is `owner`. */
export function ownedBy(api: ObjectApi, owner: KubeObject, key: string): KubeObject[] {
  const uid = owner.metadata.uid ?? "";
  const result: KubeObject[] = [];
  for (const ref of api.owners.dependentsOf(uid)) {
    if (ref.key !== key) continue;
    const entry = api.store.get(ref.key, ref.namespace, ref.name);
    if (entry?.obj.metadata.ownerReferences?.some((o) => o.uid === uid && o.controller === true))
      result.push(entry.obj);
  }
  return result;
}

export function controllerReference(
  owner: KubeObject,
  apiVersion: string,
  kind: string,
): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller's owner of an object, as a queue key, if it is of the given kind. */
export function controllerKey(obj: KubeObject, kind: string): string | undefined {
  const owner = obj.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === kind);
  return owner ? `${obj.metadata.namespace ?? ""}/${owner.name}` : undefined;
}
