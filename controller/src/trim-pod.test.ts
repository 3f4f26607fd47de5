import { describe, expect, it } from "vitest";
import { trimPod } from "./controller.js";

describe("the Pod cache", () => {
  it("keeps what restarts and pod metadata patches read, and drops the kubelet's details", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "web-abc-1",
        namespace: "shop",
        uid: "u1",
        resourceVersion: "42",
        labels: { app: "web", "rollouts-pod-template-hash": "abc" },
        annotations: { big: "x".repeat(1000) },
        creationTimestamp: "2026-01-01T00:00:00Z",
        deletionTimestamp: "2026-01-01T00:05:00Z",
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "web-abc",
            uid: "rs1",
            controller: true,
          },
        ],
        managedFields: [{ manager: "kubelet" }],
      },
      spec: { containers: [{ name: "app", image: "web:v1" }] },
      status: {
        phase: "Running",
        podIP: "10.0.0.1",
        conditions: [
          { type: "Initialized", status: "True", lastTransitionTime: "2026-01-01T00:00:01Z" },
          { type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:02Z" },
        ],
        containerStatuses: [{ name: "app", ready: true, restartCount: 0, image: "web:v1" }],
      },
    };
    expect(trimPod(pod)).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "web-abc-1",
        namespace: "shop",
        uid: "u1",
        resourceVersion: "42",
        labels: { app: "web", "rollouts-pod-template-hash": "abc" },
        creationTimestamp: "2026-01-01T00:00:00Z",
        deletionTimestamp: "2026-01-01T00:05:00Z",
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "web-abc",
            uid: "rs1",
            controller: true,
          },
        ],
      },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    });
  });

  it("keeps a Pod without status or Ready condition as such", () => {
    const trimmed = trimPod({ metadata: { name: "p", namespace: "ns" } });
    expect(trimmed.status).toEqual({ phase: undefined });
  });
});
