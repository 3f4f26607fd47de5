#!/usr/bin/env node
// The sluice-plugin-web executable: serves the MetricProvider contract on the address from
// --listen or SLUICE_PLUGIN_LISTEN (see @sluice/sdk).
import { lazyConditionLoader } from "@sluice/provider-common";
import { serveMetricProvider } from "@sluice/sdk";
import { createWebPlugin } from "./plugin.js";

// The condition language is looked up in the background (the lookup never rejects), so
// the first measurement with a condition does not wait for it.
const conditions = lazyConditionLoader();
const server = await serveMetricProvider(createWebPlugin({ conditions }));
server.logger.info({ address: server.address }, "web metric provider serving");
void conditions();
