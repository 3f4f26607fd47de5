import { requireString, serveTrafficRouter, strictObject, WeightVerification } from "@sluice/sdk";

// Remembers the canary weight per route; a real router would write an Ingress here.
const weights = new Map<string, number>();

await serveTrafficRouter<{ route: string }>({
  name: "acme/minimal-router",
  version: "0.1.0",
  // Typos and missing fields in the Rollout's plugin block become a clear error reply.
  parseConfig: (raw) => ({ route: requireString(strictObject(raw, ["route"]), "route") }),
  setWeight({ config, desiredWeight }) {
    weights.set(config.route, desiredWeight);
  },
  verifyWeight({ config, desiredWeight }) {
    return weights.get(config.route) === desiredWeight
      ? WeightVerification.VERIFIED
      : WeightVerification.NOT_VERIFIED;
  },
});
