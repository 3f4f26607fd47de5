// setHeaderRoute through ingress-nginx's canary-by-header annotations. The original NGINX
// router declines header steps (only static annotations); ingress-nginx can express a single
// header condition on the canary Ingress, and gives it precedence over the weight, which is
// exactly "matching requests go 100% to the canary". What it cannot express (several
// headers, ORed matches, two routes at once) is refused with an error naming the limit.
import type { HeaderRoute } from "@sluice/sdk";
import { PluginError } from "@sluice/sdk";
import type { AnnotationChanges } from "./canary-ingress.js";
import type { NginxConfig } from "./config.js";

/** Records which managed route the canary-by-header annotations belong to. */
export const HEADER_ROUTE_ANNOTATION = "nginx.sluice.dev/header-route";

const HEADER_KEYS = ["canary-by-header", "canary-by-header-value", "canary-by-header-pattern"];

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** The annotation changes that remove the header route (all keys set to null). */
export function headerRemoval(config: NginxConfig): AnnotationChanges {
  const changes: AnnotationChanges = { [HEADER_ROUTE_ANNOTATION]: null };
  for (const key of HEADER_KEYS) changes[`${config.annotationPrefix}/${key}`] = null;
  return changes;
}

/** Static canary-by-header annotations in the config would fight with a managed route. */
function staticHeaderKey(config: NginxConfig): string | undefined {
  const prefix = config.annotationPrefix;
  const keys = [
    ...Object.keys(config.additionalIngressAnnotations).map((key) =>
      key.startsWith(prefix) ? key : `${prefix}/${key}`,
    ),
    ...Object.keys(config.canaryIngressAnnotations),
  ];
  return keys.find((key) => HEADER_KEYS.some((header) => key === `${prefix}/${header}`));
}

/** The annotation changes that install `route` (which has at least one match). */
export function headerAnnotations(config: NginxConfig, route: HeaderRoute): AnnotationChanges {
  const fixed = staticHeaderKey(config);
  if (fixed !== undefined) {
    throw new PluginError(
      `setHeaderRoute \`${route.name}\`: the nginx block already sets ${fixed} statically; remove it from additionalIngressAnnotations/canaryIngressAnnotations or drop the setHeaderRoute step`,
    );
  }
  if (route.match.length !== 1) {
    throw new PluginError(
      `setHeaderRoute \`${route.name}\` has ${route.match.length} matches; ingress-nginx canary annotations express exactly one header condition, so give the step a single match`,
    );
  }
  const [match] = route.match;
  const condition = match?.headerValue?.match;
  if (match === undefined || match.headerName === "" || condition === undefined) {
    throw new PluginError(
      `setHeaderRoute \`${route.name}\`: the match needs headerName and headerValue (exact, prefix or regex)`,
    );
  }
  const prefix = config.annotationPrefix;
  const changes = headerRemoval(config);
  changes[HEADER_ROUTE_ANNOTATION] = route.name;
  changes[`${prefix}/canary-by-header`] = match.headerName;
  switch (condition.$case) {
    case "exact":
      changes[`${prefix}/canary-by-header-value`] = condition.value;
      break;
    case "prefix":
      changes[`${prefix}/canary-by-header-pattern`] = `^${escapeRegex(condition.value)}.*`;
      break;
    case "regex":
      changes[`${prefix}/canary-by-header-pattern`] = condition.value;
      break;
  }
  return changes;
}
