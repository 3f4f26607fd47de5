// The checks for a traffic router (the contract in proto/rollouts/plugin/v1/traffic_router.proto).
import { Capability, type InitResponse, PluginKind, WeightVerification } from "@sluice/proto";
import type { CallOptions, TrafficRouterClient } from "../connect.js";
import { type Check, CheckFailure, expectErrorReply, expectNoError, kindName } from "./check.js";
import {
  emptyBytes,
  malformedJson,
  sampleRollout,
  toJsonBytes,
  withUnknownField,
} from "./samples.js";

export interface RouterCheckInput {
  client: TrafficRouterClient;
  config: unknown;
  call: CallOptions;
}

export function initCheck(
  expected: PluginKind,
  init: (options: CallOptions) => Promise<InitResponse>,
  call: CallOptions,
  remember: (reply: InitResponse) => void,
): Check {
  return {
    name: `Init answers and names kind ${kindName(expected)}`,
    run: async () => {
      const reply = await init(call);
      remember(reply);
      expectNoError("Init", reply.error);
      if (reply.kind !== expected) {
        throw new CheckFailure(
          `Init names kind ${kindName(reply.kind)}, expected ${kindName(expected)}`,
        );
      }
      if (reply.name.trim() === "") throw new CheckFailure("Init answers an empty name");
      if (reply.version.trim() === "") throw new CheckFailure("Init answers an empty version");
      return `${reply.name} ${reply.version}`;
    },
  };
}

export function routerChecks(input: RouterCheckInput): Check[] {
  const { client, call } = input;
  const rollout = toJsonBytes(sampleRollout);
  const config = toJsonBytes(input.config);
  let capabilities = new Set<Capability>();
  const destinations = [
    { serviceName: "web-experiment", podTemplateHash: "6d8c7b5f4", weight: 10 },
  ];

  const headerRoute = {
    name: "conformance-header",
    match: [
      { headerName: "X-Canary", headerValue: { match: { $case: "exact" as const, value: "yes" } } },
    ],
  };
  const mirrorRoute = {
    name: "conformance-mirror",
    percentage: 50,
    match: [{ method: { match: { $case: "exact" as const, value: "GET" } }, headers: {} }],
  };

  const optional =
    (method: string, capability: Capability, capabilityName: string) =>
    async (
      send: (
        match: boolean,
      ) => Promise<{ error?: { message: string; retryable: boolean } | undefined }>,
    ) => {
      const created = await send(true);
      if (!capabilities.has(capability)) {
        return `${expectErrorReply(`${method} without ${capabilityName}`, created.error)} (capability not declared)`;
      }
      expectNoError(method, created.error);
      const removed = await send(false);
      expectNoError(`${method} with an empty match (removal)`, removed.error);
      return "created and removed a route";
    };

  const invalid = (what: string, request: { rollout?: Buffer; config?: Buffer }): Check => ({
    name: `${what} gives an error reply, not a crash or a hang`,
    run: async () => {
      const reply = await client.setWeight(
        { rollout, config, desiredWeight: 30, ...request },
        call,
      );
      return expectErrorReply(`SetWeight with ${what}`, reply.error);
    },
  });

  return [
    initCheck(
      PluginKind.TRAFFIC_ROUTER,
      (o) => client.init({ controllerVersion: "conformance" }, o),
      call,
      (reply) => {
        capabilities = new Set(reply.capabilities);
      },
    ),
    {
      name: "SetWeight answers a valid request in time without error",
      run: async () => {
        expectNoError(
          "SetWeight",
          (await client.setWeight({ rollout, config, desiredWeight: 30 }, call)).error,
        );
        const extra = capabilities.has(Capability.ADDITIONAL_DESTINATIONS) ? destinations : [];
        const again = await client.setWeight(
          { rollout, config, desiredWeight: 30, additionalDestinations: extra },
          call,
        );
        expectNoError("SetWeight (repeated, must be idempotent)", again.error);
        return undefined;
      },
    },
    {
      name: "VerifyWeight answers a valid request in time with a known verification",
      run: async () => {
        const reply = await client.verifyWeight({ rollout, config, desiredWeight: 30 }, call);
        expectNoError("VerifyWeight", reply.error);
        const answer = reply.verification;
        if (!(answer in WeightVerification) || answer === WeightVerification.UNRECOGNIZED) {
          throw new CheckFailure(
            `VerifyWeight answered ${answer}, which is not a WeightVerification value`,
          );
        }
        const checks =
          answer === WeightVerification.VERIFIED || answer === WeightVerification.NOT_VERIFIED;
        if (capabilities.has(Capability.VERIFY_WEIGHT) && !checks) {
          throw new CheckFailure(
            `the plugin declares CAPABILITY_VERIFY_WEIGHT but answered ${WeightVerification[answer]}; answer VERIFIED or NOT_VERIFIED`,
          );
        }
        return WeightVerification[answer];
      },
    },
    {
      name: "UpdateHash answers a valid request in time without error",
      run: async () => {
        const reply = await client.updateHash(
          { rollout, config, canaryHash: "7c9f5d6b8", stableHash: "5f6d4c7b9" },
          call,
        );
        expectNoError("UpdateHash", reply.error);
        return undefined;
      },
    },
    {
      name: "SetHeaderRoute answers in time (creates and removes, or declines without the capability)",
      run: () =>
        optional(
          "SetHeaderRoute",
          Capability.HEADER_ROUTE,
          "CAPABILITY_HEADER_ROUTE",
        )((match) =>
          client.setHeaderRoute(
            { rollout, config, route: match ? headerRoute : { name: headerRoute.name, match: [] } },
            call,
          ),
        ),
    },
    {
      name: "SetMirrorRoute answers in time (creates and removes, or declines without the capability)",
      run: () =>
        optional(
          "SetMirrorRoute",
          Capability.MIRROR_ROUTE,
          "CAPABILITY_MIRROR_ROUTE",
        )((match) =>
          client.setMirrorRoute(
            { rollout, config, route: match ? mirrorRoute : { name: mirrorRoute.name, match: [] } },
            call,
          ),
        ),
    },
    {
      name: "RemoveManagedRoutes answers a valid request in time without error",
      run: async () => {
        expectNoError(
          "RemoveManagedRoutes",
          (await client.removeManagedRoutes({ rollout, config }, call)).error,
        );
        return undefined;
      },
    },
    invalid("malformed rollout JSON", { rollout: malformedJson }),
    invalid("malformed config JSON", { config: malformedJson }),
    invalid("missing config", { config: emptyBytes }),
    invalid("an unknown config field", { config: toJsonBytes(withUnknownField(input.config)) }),
  ];
}
