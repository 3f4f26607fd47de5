#!/usr/bin/env node
// Committed, executable entry for the `kubectl-argo-rollouts` command: tsc writes dist/ without the
// executable bit, so npm links this file instead.
await import("../dist/main.js");
