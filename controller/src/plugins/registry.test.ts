import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  bundledEntries,
  PluginRegistry,
  parseLocation,
  parsePluginConfig,
  type RegistryChange,
} from "./registry.js";
import type { PluginEntry } from "./registry-types.js";
import { routersOf } from "./routers.js";

const silent = pino({ level: "silent" });
const sha = "a".repeat(64);

describe("parseLocation", () => {
  it.each([
    ["file:///opt/plugins/nginx", { type: "file", path: "/opt/plugins/nginx" }],
    ["unix:///run/sluice/smi.sock", { type: "unix", address: "unix:///run/sluice/smi.sock" }],
    ["127.0.0.1:7001", { type: "tcp", address: "127.0.0.1:7001" }],
    ["plugins.example.svc:443", { type: "tcp", address: "plugins.example.svc:443" }],
    ["[::1]:7001", { type: "tcp", address: "[::1]:7001" }],
  ])("accepts %s", (text, expected) => {
    expect(parseLocation(text)).toEqual(expected);
  });

  it.each([
    ["file://relative/path", /absolute path/],
    ["unix://relative.sock", /absolute socket path/],
    ["https://github.com/x/releases/plugin", /does not download plugins/],
    ["localhost:0", /outside 1..65535/],
    ["just-a-name", /not file:\/\/PATH/],
  ])("rejects %s", (text, message) => {
    const parsed = parseLocation(text);
    expect(typeof parsed).toBe("string");
    expect(parsed).toMatch(message);
  });
});

describe("parsePluginConfig", () => {
  const cases: Array<{
    title: string;
    yaml: string;
    names: string[];
    problems: RegExp[];
    disabled?: string[];
  }> = [
    {
      title: "a full valid list",
      yaml: `
- name: acme/router
  location: file:///opt/acme/router
  args: ["--verbose"]
  sha256: ${sha.toUpperCase()}
- name: acme/sidecar
  location: unix:///run/acme.sock
- name: acme/remote
  location: 10.0.0.5:7443
  tls: { ca: "-----BEGIN CERTIFICATE-----", serverName: acme.internal }
`,
      names: ["acme/router", "acme/sidecar", "acme/remote"],
      problems: [],
    },
    {
      title: "a malformed entry does not hide its neighbours",
      yaml: `
- name: good/one
  location: unix:///run/one.sock
- name: bad/no-location
- location: unix:///run/nameless.sock
- name: bad/args
  location: unix:///run/x.sock
  args: "--oops"
- name: good/two
  location: 127.0.0.1:9000
`,
      names: ["good/one", "good/two"],
      problems: [
        /\[1\] \(bad\/no-location\) has no location/,
        /\[2\] has no name/,
        /\[3\] \(bad\/args\) args must be a list/,
      ],
    },
    {
      title: "sha256 must be hex and only for files",
      yaml: `
- name: x/short
  location: file:///x
  sha256: abc
- name: x/socket
  location: unix:///x.sock
  sha256: ${sha}
`,
      names: [],
      problems: [
        /sha256 must be 64 hexadecimal digits/,
        /sha256 applies only to a file:\/\/ location/,
      ],
    },
    {
      title: "unknown fields, duplicates and disabled entries",
      yaml: `
- name: x/a
  location: unix:///a.sock
  typo: 1
- name: x/b
  location: unix:///b.sock
- name: x/b
  location: unix:///b2.sock
- name: argoproj-labs/nginx
  disabled: true
`,
      names: ["x/b"],
      problems: [/unknown field\(s\) typo/, /\[2\] \(x\/b\) repeats a name/],
      disabled: ["argoproj-labs/nginx"],
    },
    { title: "not YAML", yaml: "- name: [unclosed", names: [], problems: [/is not valid YAML/] },
    { title: "not a list", yaml: "name: x", names: [], problems: [/must be a YAML list/] },
    { title: "empty", yaml: "", names: [], problems: [] },
  ];

  it.each(cases)("$title", ({ yaml, names, problems, disabled }) => {
    const parsed = parsePluginConfig({ trafficRouterPlugins: yaml });
    expect(parsed.entries.map((e) => e.name)).toEqual(names);
    expect(
      parsed.problems.map((p) => `${p.key}[${p.index}] ${p.name ?? ""} ${p.message}`),
    ).toHaveLength(problems.length);
    problems.forEach((pattern, i) => {
      const p = parsed.problems[i];
      const text =
        p === undefined
          ? ""
          : `${p.key}[${p.index}]${p.name === undefined ? "" : ` (${p.name})`} ${p.message}`;
      expect(text).toMatch(pattern);
    });
    expect(parsed.disabled.map((d) => d.name)).toEqual(disabled ?? []);
  });

  it("keeps the kinds apart and lowercases sha256", () => {
    const parsed = parsePluginConfig({
      trafficRouterPlugins: `- {name: r, location: "file:///r", sha256: "${sha.toUpperCase()}"}`,
      metricProviderPlugins: "- {name: m, location: 'unix:///m.sock'}",
    });
    expect(parsed.entries.map((e) => [e.kind, e.name, e.sha256])).toEqual([
      ["trafficrouter", "r", sha],
      ["metricprovider", "m", undefined],
    ]);
  });
});

describe("PluginRegistry", () => {
  const defaults: PluginEntry[] = [
    {
      kind: "trafficrouter",
      name: "argoproj-labs/nginx",
      location: { type: "file", path: "/bundled/nginx" },
      args: [],
      source: "bundled",
    },
    {
      kind: "metricprovider",
      name: "prometheus",
      location: { type: "file", path: "/bundled/prom" },
      args: [],
      source: "bundled",
    },
  ];
  const configMap = (data: Record<string, string>, resourceVersion: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "argo-rollouts-config",
      namespace: "argo-rollouts",
      uid: "u1",
      resourceVersion,
    },
    data,
  });

  it("registers bundled defaults, lets a user entry override one by name, and reports only real changes", () => {
    const warnings: string[] = [];
    const registry = new PluginRegistry({
      log: silent,
      defaults,
      recorder: { warning: (_o, reason, m) => warnings.push(`${reason}: ${m}`) },
    });
    const changes: RegistryChange[] = [];
    registry.onChange((c) => changes.push(c));
    expect(registry.get("trafficrouter", "argoproj-labs/nginx")?.location).toEqual({
      type: "file",
      path: "/bundled/nginx",
    });
    expect(registry.get("metricprovider", "argoproj-labs/nginx")).toBeUndefined();

    registry.applyConfigMap(
      configMap(
        {
          trafficRouterPlugins:
            "- {name: argoproj-labs/nginx, location: 'unix:///run/nginx.sock'}\n- {name: bad}",
        },
        "1",
      ),
    );
    expect(registry.get("trafficrouter", "argoproj-labs/nginx")?.location).toEqual({
      type: "unix",
      address: "unix:///run/nginx.sock",
    });
    expect(changes).toEqual([[{ kind: "trafficrouter", name: "argoproj-labs/nginx" }]]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^InvalidPluginEntry: argo-rollouts-config trafficRouterPlugins\[1\] \(bad\) has no location/,
      ),
    ]);

    // A resync of the same object changes nothing and warns no more.
    registry.applyConfigMap(
      configMap(
        {
          trafficRouterPlugins:
            "- {name: argoproj-labs/nginx, location: 'unix:///run/nginx.sock'}\n- {name: bad}",
        },
        "1",
      ),
    );
    expect(changes).toHaveLength(1);
    expect(warnings).toHaveLength(1);

    // Disabling the bundled provider, then deleting the ConfigMap, restores the defaults.
    registry.applyConfigMap(
      configMap({ metricProviderPlugins: "- {name: prometheus, disabled: true}" }, "2"),
    );
    expect(registry.get("metricprovider", "prometheus")).toBeUndefined();
    expect(registry.get("trafficrouter", "argoproj-labs/nginx")?.source).toBe("bundled");
    registry.applyConfigMap(undefined);
    expect(registry.get("metricprovider", "prometheus")?.source).toBe("bundled");
  });

  it("marks a bundled plugin whose package is not installed as unavailable, with the reason", () => {
    const entries = bundledEntries(
      [{ kind: "trafficrouter", name: "argoproj-labs/smi", packageName: "@sluice/plugin-smi" }],
      () => ({ ok: false, error: "bundled plugin package @sluice/plugin-smi is not installed" }),
    );
    expect(entries[0]?.unavailable).toMatch(/not installed/);
  });

  it("resolves an installed bundled package to its built executable", () => {
    const [web] = bundledEntries([
      { kind: "metricprovider", name: "web", packageName: "@sluice/plugin-web" },
    ]);
    expect(web?.unavailable).toBeUndefined();
    expect(web?.location.type === "file" ? web.location.path : "").toMatch(
      /(plugins\/web|@sluice\/plugin-web)\/dist\/main\.js$/,
    );
  });
});

describe("routersOf", () => {
  it("orders built-in keys as the original, then plugins by name, each with its own block", () => {
    const rollout = {
      metadata: { name: "web" },
      spec: {
        strategy: {
          canary: {
            trafficRouting: {
              plugins: { "z/last": { a: 1 }, "a/first": {} },
              smi: { trafficSplitName: "ts" },
              nginx: { stableIngress: "web" },
              managedRoutes: [{ name: "hdr" }],
            },
          },
        },
      },
    };
    expect(routersOf(rollout)).toEqual([
      { plugin: "argoproj-labs/nginx", config: { stableIngress: "web" } },
      { plugin: "argoproj-labs/smi", config: { trafficSplitName: "ts" } },
      { plugin: "a/first", config: {} },
      { plugin: "z/last", config: { a: 1 } },
    ]);
    expect(routersOf({ metadata: { name: "plain" }, spec: { strategy: { canary: {} } } })).toEqual(
      [],
    );
  });
});
