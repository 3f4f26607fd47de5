#!/usr/bin/env node
// The sluice-plugin-datadog executable: serves the MetricProvider contract on the address
// from --listen or SLUICE_PLUGIN_LISTEN (see @sluice/sdk). Credentials: see credentials.ts.
import { lazyConditionLoader } from "@sluice/provider-common";
import { serveMetricProvider } from "@sluice/sdk";
import { kubeSecretReader } from "./kube-secrets.js";
import { createDatadogPlugin } from "./plugin.js";

// The condition language is looked up in the background (the lookup never rejects), so
// the first measurement with a condition does not wait for it.
const conditions = lazyConditionLoader();
const secrets = kubeSecretReader(process.env);
const server = await serveMetricProvider(
  createDatadogPlugin({ conditions, env: process.env, secrets }),
);
server.logger.info(
  {
    address: server.address,
    kubernetes: "reader" in secrets ? "available" : secrets.unavailable,
  },
  "datadog metric provider serving",
);
void conditions();
