import { ApiError, badRequest } from "../errors.js";
import { isObject, type KubeObject } from "../types.js";
import { applyJsonPatch } from "./json-patch.js";
import { applyMergePatchInPlace } from "./merge-patch.js";
import { applyStrategicMergePatch } from "./strategic-merge.js";

/**
 * Applies a PATCH body of the given media type; the caller then updates as with PUT.
 * `existing` must be the caller's private copy: a merge patch is applied to it in place, and
 * consumes `patch` (its values move into the result).
 */
export function applyPatch(
  existing: KubeObject,
  contentType: string,
  patch: unknown,
  builtin: boolean,
): Record<string, unknown> {
  let patched: unknown;
  switch (contentType) {
    case "application/json-patch+json":
      patched = applyJsonPatch(existing, patch);
      break;
    case "application/merge-patch+json":
      if (!isObject(patch)) throw badRequest("a merge patch must be a JSON object");
      patched = applyMergePatchInPlace(existing, patch);
      break;
    case "application/strategic-merge-patch+json":
      // As in Kubernetes: custom resources have no patch strategies to merge by.
      if (!builtin) {
        throw new ApiError(
          415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        );
      }
      if (!isObject(patch)) throw badRequest("a strategic merge patch must be a JSON object");
      patched = applyStrategicMergePatch(existing, patch);
      break;
    default:
      throw new ApiError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format (${contentType}) - devcluster accepts application/json-patch+json, application/merge-patch+json and, for built-in kinds, application/strategic-merge-patch+json; server-side apply (application/apply-patch+yaml) is served on objects, not on their status`,
      );
  }
  if (!isObject(patched) || !isObject(patched.metadata)) {
    throw badRequest("the patch removed the object's metadata");
  }
  // Without a resourceVersion in the patch, the patch applies to whatever is current.
  const metadata = patched.metadata;
  if (metadata.resourceVersion === undefined || metadata.resourceVersion === null) {
    metadata.resourceVersion = existing.metadata.resourceVersion;
  }
  return patched;
}
