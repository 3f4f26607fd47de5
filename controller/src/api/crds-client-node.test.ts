// Installing the CRDs through @kubernetes/client-node must send exactly the generated CRD.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildCrd, KIND_DEFINITIONS } from "./crds.js";
import { clientNodeCrds } from "./crds-client-node.js";

let server: Server;
const received: unknown[] = [];
let api: ApiextensionsV1Api;

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    req.on("end", () => {
      received.push(JSON.parse(text));
      res.setHeader("content-type", "application/json");
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "l",
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "l", user: "u" }],
    currentContext: "c",
  });
  api = kc.makeApiClient(ApiextensionsV1Api);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("sends the generated CRDs unchanged, x-kubernetes-* keys and enums included", async () => {
  for (const body of clientNodeCrds()) await api.createCustomResourceDefinition({ body });
  expect(received).toEqual(
    KIND_DEFINITIONS.map((def) => JSON.parse(JSON.stringify(buildCrd(def)))),
  );
  expect(JSON.stringify(received[0])).toContain('"x-kubernetes-preserve-unknown-fields":true');
});
