import { describe, expect, it } from "vitest";
import { findCredentials, type SecretReader } from "./credentials.js";

function secrets(
  store: Record<string, Record<string, string>>,
): SecretReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async readSecret(namespace, name) {
      reads.push(`${namespace}/${name}`);
      return store[`${namespace}/${name}`];
    },
  };
}

const env = { POD_NAMESPACE: "rollouts" };

describe("findCredentials (spec §5.2)", () => {
  it("reads secretRef in the run's namespace when namespaced", async () => {
    const reader = secrets({
      "team-a/dd": { "api-key": "k", "app-key": "a", address: "https://dd.eu" },
    });
    const found = await findCredentials({
      secretRef: { name: "dd", namespaced: true },
      runNamespace: "team-a",
      env: { ...env, DD_API_KEY: "x", DD_APP_KEY: "y", DD_ADDRESS: "" },
      secrets: reader,
    });
    expect(found).toEqual({ apiKey: "k", appKey: "a", address: "https://dd.eu" });
    expect(reader.reads).toEqual(["team-a/dd"]);
  });

  it("reads secretRef in the controller's namespace otherwise", async () => {
    const reader = secrets({ "rollouts/dd": { "api-key": "k", "app-key": "a" } });
    const found = await findCredentials({
      secretRef: { name: "dd", namespaced: false },
      runNamespace: "team-a",
      env,
      secrets: reader,
    });
    expect(found).toEqual({ apiKey: "k", appKey: "a", address: "" });
  });

  it("prefers the three environment variables to the datadog Secret", async () => {
    const reader = secrets({ "rollouts/datadog": { "api-key": "k", "app-key": "a" } });
    const found = await findCredentials({
      runNamespace: "team-a",
      env: { ...env, DD_API_KEY: "ek", DD_APP_KEY: "ea", DD_ADDRESS: "" },
      secrets: reader,
    });
    expect(found).toEqual({ apiKey: "ek", appKey: "ea", address: "" });
    expect(reader.reads).toEqual([]);
  });

  it("falls back to the datadog Secret when the environment is incomplete", async () => {
    const reader = secrets({ "rollouts/datadog": { "api-key": "k", "app-key": "a" } });
    const found = await findCredentials({
      runNamespace: "team-a",
      env: { ...env, DD_API_KEY: "ek", DD_APP_KEY: "ea" },
      secrets: reader,
    });
    expect(found.apiKey).toBe("k");
  });

  it("says everywhere it looked when nothing has the keys", async () => {
    await expect(
      findCredentials({
        secretRef: { name: "dd", namespaced: true },
        runNamespace: "team-a",
        env,
        secrets: secrets({ "team-a/dd": { "api-key": "k" } }),
      }),
    ).rejects.toThrow(
      "failed to find the credentials for datadog metrics provider: looked in Secret team-a/dd (no api-key or app-key)",
    );
    await expect(
      findCredentials({
        runNamespace: "x",
        env,
        secrets: undefined,
        unavailable: "no kubeconfig and not running in a pod",
      }),
    ).rejects.toThrow(
      "failed to find the credentials for datadog metrics provider: looked in environment DD_API_KEY, DD_APP_KEY, DD_ADDRESS (not all set); Secret rollouts/datadog (not read: no kubeconfig and not running in a pod)",
    );
  });
});
