import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventRecorder } from "../../src/runtime/events.js";
import { RESOURCES } from "../../src/runtime/kube-resources.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

describe("event recorder against devcluster", () => {
  let env: TestCluster;

  beforeAll(async () => {
    env = await startTestCluster();
  });

  afterAll(async () => {
    await env.stop();
  });

  it("writes Events that kubectl describe would show, aggregating repeats", async () => {
    const ns = await env.namespace("events");
    const subject = await env.client.create(RESOURCES.configMaps, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: ns, name: "web" },
    });
    const recorder = new EventRecorder({ client: env.client, instance: "test-replica" });
    for (let i = 0; i < 3; i++) {
      recorder.warning(subject, "InvalidSpec", "spec.strategy must set canary or blueGreen");
      await recorder.flush();
    }
    recorder.normal(subject, "RolloutUpdated", "Rollout updated to revision 2");
    await recorder.flush();

    const list = await env.client.list(RESOURCES.events, { namespace: ns });
    const byReason = new Map(list.items.map((e) => [String(e.reason), e]));
    expect(list.items).toHaveLength(2);
    expect(byReason.get("InvalidSpec")).toMatchObject({
      type: "Warning",
      count: 3,
      message: "spec.strategy must set canary or blueGreen",
      involvedObject: { kind: "ConfigMap", name: "web", namespace: ns, uid: subject.metadata.uid },
      source: { component: "sluice-controller" },
      reportingComponent: "sluice-controller",
      reportingInstance: "test-replica",
    });
    const invalid = byReason.get("InvalidSpec");
    expect(Date.parse(String(invalid?.lastTimestamp))).toBeGreaterThanOrEqual(
      Date.parse(String(invalid?.firstTimestamp)),
    );
    expect(byReason.get("RolloutUpdated")).toMatchObject({ type: "Normal", count: 1 });
  });
});
