// Messages of spec/rollout-behavior.md §8 and spec/traffic-routers.md §1.2. Where the spec
// quotes a message it is reproduced exactly; the others follow the original's wording.

export const missingField = (path: string) => `Rollout has missing field '${path}'`;
export const MSG_MULTIPLE_STRATEGIES = "Multiple Strategies can not be listed";
export const MSG_EMPTY_SELECTOR = "empty selector is invalid for deployment";
export const MSG_SELECTOR_TEMPLATE_MISMATCH = "`selector` does not match template `labels`";
export const MSG_TEMPLATE_WITH_WORKLOAD_REF =
  "template must be empty for workload reference rollout";
export const workloadKindNotSupported = (kind: string) =>
  `workload of type ${kind} is not supported`;
export const MSG_NONNEGATIVE = "must be greater than or equal to 0";
export const MSG_DEADLINE_VS_MIN_READY =
  "progressDeadlineSeconds must be greater than minReadySeconds";

export const MSG_DUPLICATE_BLUE_GREEN_SERVICES =
  "This rollout uses the same service for the active and preview services, but two different services are required.";
export const MSG_SCALE_DOWN_LIMIT_OVER_HISTORY =
  "This rollout's revision history limit can not be smaller than the rollout's scale down limit";

export const MSG_MAX_SURGE_MAX_UNAVAILABLE = "MaxSurge and MaxUnavailable both can not be zero";
export const MSG_DUPLICATE_CANARY_SERVICES =
  "This rollout uses the same service for the stable and canary services, but two different services are required.";
export const MSG_PING_PONG_ROUTERS =
  "Ping-pong feature works with the Istio and ALB traffic routers only";
export const MSG_PING_PONG_BOTH = "Ping service and Pong service must to be set to use Ping Pong";
export const MSG_DUPLICATE_PING_PONG =
  "This rollout uses the same service for the ping and pong services, but two different services are required.";
export const MSG_ALB_ROOT_SERVICE =
  "Root service field is required for the configuration with ALB and ping-pong feature";
export const MSG_TRAFFIC_ROUTING_SERVICES =
  "Canary service and Stable service must to be set to use Traffic Routing";
export const MSG_SCALE_DOWN_DELAY_WITHOUT_TR =
  "Canary scaleDownDelaySeconds can only be used with traffic routing";
export const MSG_DSS_WITHOUT_TR = "Canary dynamicStableScale can only be used with traffic routing";
export const MSG_DSS_WITH_SCALE_DOWN_DELAY =
  "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds";
export const MSG_MAX_TRAFFIC_WEIGHT_ROUTERS =
  "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins";

export const MSG_INVALID_STEP =
  "Step must have one of the following set: experiment, setWeight, setCanaryScale or pause";
export const setWeightRange = (max: number) => `SetWeight needs to be between 0 and ${max}`;
export const MSG_PAUSE_DURATION = "Duration needs to be greater than 0";
export const MSG_SET_CANARY_SCALE_NEEDS_TR = "SetCanaryScale requires TrafficRouting to be set";
export const MSG_HEADER_ROUTE_ROUTERS =
  "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix";
export const MSG_MIRROR_ROUTE_ROUTERS =
  "SetMirrorRoute requires TrafficRouting, supports Istio only";
export const MSG_STRING_MATCH_MULTIPLE =
  "StringMatch match value must have exactly one of the following: exact, regex, prefix";
export const MSG_STRING_MATCH_MISSING =
  "StringMatch value missed, match value must have one of the following: exact, regex, prefix";
export const MSG_ALB_HEADER_EXACT_ONLY =
  "SetHeaderRoute match value invalid. ALB supports 'exact' value only";
export const MSG_ROUTE_NOT_MANAGED =
  "Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes";
export const MSG_EXPERIMENT_WEIGHT_NEEDS_TR =
  "Experiment template weight cannot be set unless TrafficRouting is enabled";
export const MSG_EXPERIMENT_WEIGHT_ROUTERS =
  "Experiment template weight is only available for TrafficRouting with SMI, ALB, and Istio at this time";
export const MSG_ANALYSIS_ARGS_METADATA =
  "Analyses arguments must refer to valid object metadata supported by downwardAPI";

export const MSG_ANTI_AFFINITY_ONE = "AntiAffinity must have exactly one strategy listed";
export const MSG_ANTI_AFFINITY_WEIGHT = "AntiAffinity weight must be between 1 and 100";

/** The informer lister's NotFound error text (singular resource for typed listers). */
export const notFound = (resource: string, name: string) => `${resource} "${name}" not found`;
export const serviceManagedByOther = (name: string) =>
  `Service "${name}" is managed by another Rollout`;
export const serviceLabelMismatch = (name: string, label: string) =>
  `Service "${name}" has unmatch label "${label}" in rollout`;
export const ingressWithoutService = (ingress: string, service: string) =>
  `ingress \`${ingress}\` has no rules using service ${service} backend`;
export const MSG_NGINX_ONE_INGRESS = "exactly one of stableIngress or stableIngresses must be set";
export const MSG_ALB_ONE_INGRESS = "exactly one of ingress or ingresses must be set";
export const virtualServiceRouteMissing = (route: string, vs: string) =>
  `HTTP Route '${route}' is not found in the defined Virtual Service ${vs}`;
export const argNotResolved = (name: string) => `args.${name} was not resolved`;
export const metricRunsIndefinitely = (template: string, metric: string, count: string) =>
  `AnalysisTemplate ${template} has metric ${metric} which runs indefinitely. Invalid value for count: ${count}`;
export const MSG_VS_SINGLE_HTTP_ROUTE =
  "the VirtualService must have exactly one HTTP route when spec.strategy.canary.trafficRouting.istio.virtualService.routes is omitted";
export const virtualServiceRouteDestinations = (
  route: string,
  vs: string,
  stable: string,
  canary: string,
  kind: string,
) =>
  `HTTP Route '${route}' of Virtual Service ${vs} must send traffic to both the stable ${kind} '${stable}' and the canary ${kind} '${canary}'`;
