#!/usr/bin/env node
// Committed, executable entry for the `sluice-plugin-conformance` bin: the compiled CLI in
// dist/ is written by tsc without the executable bit, so npm links this file instead.
await import("../dist/conformance/cli.js");
