// The router plugins' object client against a small local API server: connections are kept
// alive across calls, and the server's answers become the errors a user reads.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectClient } from "./kube.js";

const INGRESS = {
  group: "networking.k8s.io",
  version: "v1",
  plural: "ingresses",
  kind: "Ingress",
};

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

let server: http.Server;
let connections = 0;
const seen: Seen[] = [];
let kubeConfig: KubeConfig;

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(
    JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code }),
  );
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        contentType: req.headers["content-type"],
        authorization: req.headers.authorization,
        body,
      });
      const path = (req.url ?? "").split("?")[0] ?? "";
      if (path.endsWith("/ingresses/web")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ metadata: { name: "web", namespace: "shop" } }));
      } else if (path.endsWith("/ingresses/secret")) {
        status(res, 403, "Forbidden", 'ingresses "secret" is forbidden: no RBAC');
      } else if (path.endsWith("/ingresses/broken")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end("<html>proxy error</html>");
      } else if (req.method === "POST") {
        status(res, 409, "AlreadyExists", 'ingresses "web" already exists');
      } else {
        status(res, 404, "NotFound", "not found");
      }
    });
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "the-token" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("the router plugins' object client", () => {
  it("reuses one connection for a run of calls and sends the kubeconfig's token", async () => {
    const objects = objectClient(kubeConfig, INGRESS, "sluice-plugin-test");
    const before = connections;
    for (let i = 0; i < 20; i++) {
      expect(await objects.get("shop", "web")).toEqual({
        metadata: { name: "web", namespace: "shop" },
      });
    }
    expect(connections - before).toBe(1);
    expect(seen.at(-1)?.url).toBe("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web");
    expect(seen.at(-1)?.authorization).toBe("Bearer the-token");
  });

  it("sends merge patches with the field manager and the merge-patch content type", async () => {
    const objects = objectClient(kubeConfig, INGRESS, "sluice-plugin-test");
    await objects.mergePatch("shop", "web", { metadata: { annotations: { a: "1" } } });
    const last = seen.at(-1);
    expect(last?.method).toBe("PATCH");
    expect(last?.url).toBe(
      "/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web?fieldManager=sluice-plugin-test",
    );
    expect(last?.contentType).toBe("application/merge-patch+json");
    expect(JSON.parse(last?.body ?? "")).toEqual({ metadata: { annotations: { a: "1" } } });
  });

  it("answers undefined for a missing object and names the RBAC a forbidden read lacks", async () => {
    const objects = objectClient(kubeConfig, INGRESS, "sluice-plugin-test");
    expect(await objects.get("shop", "missing")).toBeUndefined();
    await expect(objects.get("shop", "secret")).rejects.toThrow(
      /get Ingress shop\/secret was forbidden \(ingresses "secret" is forbidden: no RBAC\); grant the plugin's service account "get" on ingresses.networking.k8s.io/,
    );
  });

  it("keeps the server's status code on a failed write and refuses a body that is not JSON", async () => {
    const objects = objectClient(kubeConfig, INGRESS, "sluice-plugin-test");
    await expect(objects.create("shop", { metadata: { name: "web" } })).rejects.toMatchObject({
      code: 409,
      detail: 'ingresses "web" already exists',
    });
    await expect(objects.get("shop", "broken")).rejects.toThrow(/not JSON/);
  });

  it("reports an API server that is not there as a retryable failure", async () => {
    const gone = new KubeConfig();
    gone.loadFromOptions({
      clusters: [{ name: "c", server: "http://127.0.0.1:9", skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const objects = objectClient(gone, INGRESS, "sluice-plugin-test");
    await expect(objects.get("shop", "web")).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/get Ingress shop\/web failed: .*ECONNREFUSED/),
    });
  });
});
