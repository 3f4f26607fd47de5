#!/usr/bin/env node
// The sluice-plugin-prometheus executable: serves the MetricProvider contract on the address
// from --listen or SLUICE_PLUGIN_LISTEN (see @sluice/sdk).
import { lazyConditionLoader } from "@sluice/provider-common";
import { serveMetricProvider } from "@sluice/sdk";
import { createPrometheusPlugin } from "./plugin.js";

// The condition language is looked up in the background (the lookup never rejects), so
// the first measurement with a condition does not wait for it.
const conditions = lazyConditionLoader();
const server = await serveMetricProvider(createPrometheusPlugin({ conditions, env: process.env }));
server.logger.info({ address: server.address }, "prometheus metric provider serving");
void conditions();
