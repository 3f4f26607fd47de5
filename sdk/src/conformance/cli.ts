#!/usr/bin/env node
// sluice-plugin-conformance: checks a plugin against the contract.
//   sluice-plugin-conformance --kind trafficrouter|metricprovider
//     (--address ADDR | --command "CMD ARGS...") [--config JSON] [--timeout-ms N]
//     [--ca FILE] [--cert FILE --key FILE] [--server-name NAME]
// Prints one line per check, then "N passed, N failed"; exits 1 when a check failed and 2
// on a usage error.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { ClientTlsOptions } from "../connect.js";
import { formatReport, type PluginKindName, runConformance } from "./run.js";

const usage =
  'usage: sluice-plugin-conformance --kind trafficrouter|metricprovider (--address ADDR | --command "CMD ...") [--config JSON] [--timeout-ms N] [--ca FILE] [--cert FILE --key FILE] [--server-name NAME]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

function main(): Promise<void> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const kind = values.kind;
  if (kind !== "trafficrouter" && kind !== "metricprovider")
    fail(`--kind must be trafficrouter or metricprovider, got ${String(kind)}`);
  const kindName: PluginKindName = kind;
  if ((values.address === undefined) === (values.command === undefined))
    fail("give exactly one of --address and --command");
  let config: unknown = {};
  if (values.config !== undefined) {
    try {
      config = JSON.parse(values.config);
    } catch (error) {
      fail(`--config is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const timeoutMs = values["timeout-ms"] === undefined ? undefined : Number(values["timeout-ms"]);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) fail("--timeout-ms must be a positive number");
  let tls: ClientTlsOptions | undefined;
  if (values.ca !== undefined || values.cert !== undefined || values["server-name"] !== undefined) {
    tls = {
      ca: values.ca === undefined ? undefined : readFileSync(values.ca),
      cert: values.cert === undefined ? undefined : readFileSync(values.cert),
      key: values.key === undefined ? undefined : readFileSync(values.key),
      serverName: values["server-name"],
    };
  }
  return runConformance({
    kind: kindName,
    address: values.address,
    command: values.command,
    config,
    timeoutMs,
    tls,
  }).then((result) => {
    process.stdout.write(`${formatReport(result)}\n`);
    process.exitCode = result.ok ? 0 : 1;
  });
}

function parse() {
  return parseArgs({
    options: {
      kind: { type: "string" },
      address: { type: "string" },
      command: { type: "string" },
      config: { type: "string" },
      "timeout-ms": { type: "string" },
      ca: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      "server-name": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sluice-plugin-conformance: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(2);
});
