// A Rollout's traffic routers and how one planned router call reaches all of them
// (spec/traffic-routers.md §1.4 and §3): every router gets every call, in a fixed order
// (built-in keys as the original orders them, then `plugins` by name); the first failure stops
// the pass; VerifyWeight answers are combined so that any "not verified" wins.
import { WeightVerification } from "@sluice/sdk";
import type { Logger } from "pino";
import type { RouterObservation } from "../rollout/observed.js";
import type { RouterCall } from "../rollout/plan-types.js";
import type { KubeObject } from "../runtime/kube-resources.js";
import { BUILTIN_ROUTER_KEYS } from "./bundled.js";
import { describeFailure, type PluginFailure, type PluginHost, type PluginResult } from "./host.js";

/** Built-in keys without a bundled plugin yet, in their place in the original's order. */
const ROUTER_KEY_ORDER: ReadonlyArray<readonly [string, string]> = [
  ...BUILTIN_ROUTER_KEYS.filter(([key]) => key !== "apisix"),
  ["ambassador", "argoproj-labs/ambassador"],
  ["appMesh", "argoproj-labs/appmesh"],
  ["traefik", "argoproj-labs/traefik"],
  ...BUILTIN_ROUTER_KEYS.filter(([key]) => key === "apisix"),
];

export interface ConfiguredRouter {
  /** Registered plugin name. */
  plugin: string;
  /** The router's own configuration block, sent with every call. */
  config: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The routers of a Rollout (raw JSON), in call order; empty without trafficRouting. */
export function routersOf(rollout: KubeObject): ConfiguredRouter[] {
  const spec = isRecord(rollout.spec) ? rollout.spec : undefined;
  const strategy = isRecord(spec?.strategy) ? spec.strategy : undefined;
  const canary = isRecord(strategy?.canary) ? strategy.canary : undefined;
  const routing = isRecord(canary?.trafficRouting) ? canary.trafficRouting : undefined;
  if (routing === undefined) return [];
  const routers: ConfiguredRouter[] = [];
  for (const [key, plugin] of ROUTER_KEY_ORDER) {
    const block = routing[key];
    if (block !== undefined && block !== null) routers.push({ plugin, config: block });
  }
  if (isRecord(routing.plugins)) {
    for (const name of Object.keys(routing.plugins).sort()) {
      routers.push({ plugin: name, config: routing.plugins[name] ?? {} });
    }
  }
  return routers;
}

/** A router call failed: the pass stops, the Rollout does not advance (reconciler.ts reports it). */
export class RouterActionError extends Error {
  override readonly name = "RouterActionError";
  constructor(readonly failure: PluginFailure) {
    super(describeFailure(failure));
  }
}

export type { RouterObservation };

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value ?? {}));

type StringMatchOut = { match: { $case: "exact" | "prefix" | "regex"; value: string } | undefined };

function stringMatch(value: unknown): StringMatchOut {
  if (isRecord(value)) {
    for (const form of ["exact", "prefix", "regex"] as const) {
      const text = value[form];
      if (typeof text === "string") return { match: { $case: form, value: text } };
    }
  }
  return { match: undefined };
}

function headerRoute(step: Record<string, unknown>) {
  const match = Array.isArray(step.match) ? step.match : [];
  return {
    name: typeof step.name === "string" ? step.name : "",
    match: match.filter(isRecord).map((m) => ({
      headerName: typeof m.headerName === "string" ? m.headerName : "",
      headerValue: stringMatch(m.headerValue),
    })),
  };
}

function mirrorRoute(step: Record<string, unknown>) {
  const match = Array.isArray(step.match) ? step.match : [];
  return {
    name: typeof step.name === "string" ? step.name : "",
    ...(typeof step.percentage === "number" ? { percentage: step.percentage } : {}),
    match: match.filter(isRecord).map((m) => ({
      ...(m.method === undefined ? {} : { method: stringMatch(m.method) }),
      ...(m.path === undefined ? {} : { path: stringMatch(m.path) }),
      headers: Object.fromEntries(
        Object.entries(isRecord(m.headers) ? m.headers : {}).map(([k, v]) => [k, stringMatch(v)]),
      ),
    })),
  };
}

function additional(
  call: RouterCall,
): Array<{ serviceName: string; podTemplateHash: string; weight: number }> {
  const extra: unknown = "additionalDestinations" in call ? call.additionalDestinations : undefined;
  if (!Array.isArray(extra)) return [];
  return extra.filter(isRecord).map((d) => ({
    serviceName: typeof d.serviceName === "string" ? d.serviceName : "",
    podTemplateHash: typeof d.podTemplateHash === "string" ? d.podTemplateHash : "",
    weight: typeof d.weight === "number" ? d.weight : 0,
  }));
}

/** One call to one router; the reply's payload is dropped except VerifyWeight's answer. */
async function callOne(
  host: PluginHost,
  router: ConfiguredRouter,
  rollout: Buffer,
  call: RouterCall,
): Promise<PluginResult<WeightVerification | undefined>> {
  const plugin = host.routerFor(router.plugin);
  const base = { rollout, config: json(router.config) };
  const done = <T>(r: PluginResult<T>): PluginResult<undefined> =>
    r.ok ? { ok: true, value: undefined } : r;
  switch (call.method) {
    case "updateHash":
      return done(
        await plugin.updateHash({
          ...base,
          canaryHash: call.canaryHash,
          stableHash: call.stableHash,
          additionalDestinations: additional(call),
        }),
      );
    case "setWeight":
      return done(
        await plugin.setWeight({
          ...base,
          desiredWeight: call.weight,
          additionalDestinations: additional(call),
        }),
      );
    case "setHeaderRoute":
      return done(await plugin.setHeaderRoute({ ...base, route: headerRoute(call.step) }));
    case "setMirrorRoute":
      return done(await plugin.setMirrorRoute({ ...base, route: mirrorRoute(call.step) }));
    case "removeManagedRoutes":
      return done(await plugin.removeManagedRoutes(base));
    case "verifyWeight": {
      const reply = await plugin.verifyWeight({
        ...base,
        desiredWeight: call.weight,
        additionalDestinations: additional(call),
      });
      return reply.ok ? { ok: true, value: reply.value.verification } : reply;
    }
  }
}

/**
 * Send `call` to every router of `rollout`, in order. Throws RouterActionError at the first
 * failure (later routers are not called in this pass). A verifyWeight action is only logged:
 * verification gates steps through observation (observeRouters), not here.
 */
export async function applyRouterCall(
  host: PluginHost,
  rollout: KubeObject,
  call: RouterCall,
  log: Logger,
  routers: readonly ConfiguredRouter[] = routersOf(rollout),
): Promise<void> {
  const rolloutJson = json(rollout);
  for (const router of routers) {
    const result = await callOne(host, router, rolloutJson, call);
    if (call.method === "verifyWeight") {
      log.debug({ plugin: router.plugin, result }, "router VerifyWeight answered");
      continue;
    }
    if (!result.ok) throw new RouterActionError(result.error);
  }
}

/** Combine per-router answers (spec §3: any NotVerified -> false; else any Verified -> true; else undefined). */
export function combineVerifications(
  answers: ReadonlyArray<PluginResult<WeightVerification | undefined>>,
): RouterObservation {
  const errors: string[] = [];
  let anyVerified = false;
  let anyNotVerified = false;
  for (const answer of answers) {
    if (!answer.ok) {
      // A plugin that cannot answer never lets a step complete (issue 5).
      anyNotVerified = true;
      errors.push(describeFailure(answer.error));
    } else if (answer.value === WeightVerification.NOT_VERIFIED) anyNotVerified = true;
    else if (answer.value === WeightVerification.VERIFIED) anyVerified = true;
  }
  const verified = anyNotVerified ? false : anyVerified ? true : undefined;
  return errors.length === 0 ? { verified } : { verified, error: errors.join("; ") };
}

/**
 * Ask every router whether the weight in status.canary.weights is really served. Undefined
 * when the Rollout has no routers or no weight was set yet (nothing to verify).
 */
export async function observeRouters(
  host: PluginHost,
  rollout: KubeObject,
): Promise<RouterObservation | undefined> {
  const routers = routersOf(rollout);
  if (routers.length === 0) return undefined;
  const status = isRecord(rollout.status) ? rollout.status : undefined;
  const canaryStatus = isRecord(status?.canary) ? status.canary : undefined;
  const weights = isRecord(canaryStatus?.weights) ? canaryStatus.weights : undefined;
  const canaryWeight = isRecord(weights?.canary) ? weights.canary.weight : undefined;
  if (typeof canaryWeight !== "number") return undefined;
  const call: RouterCall & { additionalDestinations?: unknown } = {
    method: "verifyWeight",
    weight: canaryWeight,
    additionalDestinations: weights?.additional,
  };
  const rolloutJson = json(rollout);
  const answers = await Promise.all(
    routers.map((router) => callOne(host, router, rolloutJson, call)),
  );
  return combineVerifications(answers);
}
