// Traffic routing beyond the §9 tables: the VerifyWeight gate (Observed.routers), router
// failures in status.message, header/mirror routes with managedRoutes, ping-pong Services.
// spec/rollout-behavior.md §4.4, §5.2, §5.6; spec/traffic-routers.md §1.4, §3.
import { describe, expect, it } from "vitest";
import type { CanaryStrategy } from "../../api/rollout.js";
import type { CanaryStep } from "../../api/rollout-steps.js";
import {
  abort,
  type Cluster,
  canaryRollout,
  converge,
  newCluster,
  pass,
  promote,
  type RouterAnswer,
  routerCalls,
  selectorOf,
  setImage,
  sizes,
} from "../testing/index.js";
import { namedCalls } from "../testing/table.js";

const services = { stableService: "stable", canaryService: "canary" };

function healthy(canary: CanaryStrategy, serviceNames = ["stable", "canary"]): Cluster {
  return converge(newCluster(canaryRollout(4, canary), serviceNames));
}

const withAnswer = (cluster: Cluster, answer: RouterAnswer | undefined): Cluster => {
  const next = { ...cluster };
  if (answer === undefined) delete next.routerAnswer;
  else next.routerAnswer = answer;
  return next;
};

/** Passes until the canary has its 1 pod (setWeight 25 of R=4) and its weight is set. */
function toFirstWeight(cluster: Cluster): Cluster {
  let current = setImage(cluster, "web:2");
  for (let i = 0; i < 4; i++) current = pass(current).cluster;
  return current;
}

describe("VerifyWeight gate (Observed.routers)", () => {
  const canary: CanaryStrategy = {
    steps: [{ setWeight: 25 }, { pause: {} }],
    ...services,
    trafficRouting: { smi: {} },
  };

  it("a router that verifies: the setWeight step completes one pass after the weight is set", () => {
    let cluster = pass(withAnswer(healthy(canary), "matchesState")).cluster;
    expect(cluster.rollout.status?.canary?.weights?.verified).toBe(true);
    cluster = setImage(cluster, "web:2");
    cluster = pass(cluster).cluster; // RS2 created
    cluster = pass(cluster).cluster; // canary 0→1 at weight 0
    const setting = pass(cluster);
    expect(namedCalls(setting.cluster, routerCalls(setting.plan))).toEqual([
      "updateHash(RS2,RS1)",
      "setWeight(25)",
    ]);
    let status = setting.cluster.rollout.status;
    expect(status?.currentStepIndex).toBe(0);
    expect(status?.canary?.weights?.verified).toBeUndefined();
    expect(status?.message).toBe("waiting for the traffic routers to verify weight 25");
    expect(setting.plan.requeueAfterSeconds).toBe(10);
    const verified = pass(setting.cluster).cluster;
    status = verified.rollout.status;
    expect(status?.currentStepIndex).toBe(1);
    expect(status?.canary?.weights?.verified).toBe(true);
  });

  it("NotVerified holds the step with a message until the routers verify", () => {
    let cluster = toFirstWeight(withAnswer(healthy(canary), { verified: false }));
    for (let i = 0; i < 3; i++) cluster = pass(cluster).cluster;
    const status = cluster.rollout.status;
    expect(status?.currentStepIndex).toBe(0);
    expect(status?.phase).toBe("Progressing");
    expect(status?.message).toBe("traffic weight 25 is not yet verified by the traffic routers");
    expect(status?.canary?.weights).toMatchObject({ canary: { weight: 25 }, verified: false });
    const resumed = pass(withAnswer(cluster, { verified: true })).cluster;
    expect(resumed.rollout.status?.currentStepIndex).toBe(1);
  });

  it("NotImplemented from every router never blocks", () => {
    const cluster = toFirstWeight(withAnswer(healthy(canary), { verified: undefined }));
    expect(cluster.rollout.status?.currentStepIndex).toBe(1);
    expect(cluster.rollout.status?.canary?.weights?.verified).toBeUndefined();
  });

  it("a failing router holds the step and status.message names it", () => {
    const failing = {
      verified: undefined,
      error: 'plugin "argoproj-labs/smi": connection refused',
    };
    let cluster = toFirstWeight(withAnswer(healthy(canary), failing));
    cluster = pass(cluster).cluster;
    expect(cluster.rollout.status?.currentStepIndex).toBe(0);
    expect(cluster.rollout.status?.message).toBe(
      'traffic router failed, the step waits: plugin "argoproj-labs/smi": connection refused',
    );
    const healed = pass(withAnswer(cluster, { verified: undefined })).cluster;
    expect(healed.rollout.status?.currentStepIndex).toBe(1);
  });

  it("the end weight must be verified before promotion", () => {
    const noSteps: CanaryStrategy = { ...services, trafficRouting: { smi: {} } };
    let cluster = setImage(withAnswer(healthy(noSteps), { verified: false }), "web:2");
    for (let i = 0; i < 8; i++) cluster = pass(cluster).cluster;
    expect(sizes(cluster)).toEqual([4, 4]);
    expect(cluster.rollout.status?.canary?.weights?.canary.weight).toBe(100);
    expect(cluster.rollout.status?.stableRS).not.toBe(cluster.rollout.status?.currentPodHash);
    expect(cluster.rollout.status?.message).toBe(
      "traffic weight 100 is not yet verified by the traffic routers",
    );
    const promoted = pass(withAnswer(cluster, { verified: true })).cluster;
    expect(promoted.rollout.status?.stableRS).toBe(promoted.rollout.status?.currentPodHash);
    expect(promoted.rollout.status?.phase).toBe("Healthy");
  });
});

describe("setHeaderRoute / setMirrorRoute with managedRoutes", () => {
  const steps: CanaryStep[] = [
    { setWeight: 25 },
    {
      setHeaderRoute: {
        name: "hdr",
        match: [{ headerName: "trace", headerValue: { exact: "debug" } }],
      },
    },
    { pause: {} },
    { setMirrorRoute: { name: "mirror", percentage: 35, match: [{ method: { exact: "GET" } }] } },
    { pause: {} },
  ];
  const canary: CanaryStrategy = {
    steps,
    ...services,
    trafficRouting: {
      managedRoutes: [{ name: "hdr" }, { name: "mirror" }],
      plugins: { "example/router": {} },
    },
  };

  function toSecondPause(): Cluster {
    let cluster = setImage(healthy(canary), "web:2");
    const seen: string[][] = [];
    for (let i = 0; i < 20 && cluster.rollout.status?.currentStepIndex !== 4; i++) {
      if (cluster.rollout.status?.phase === "Paused") cluster = promote(cluster);
      const result = pass(cluster);
      cluster = result.cluster;
      seen.push(namedCalls(cluster, routerCalls(result.plan)));
    }
    expect(seen).toContainEqual(["setHeaderRoute(hdr)", "updateHash(RS2,RS1)", "setWeight(25)"]);
    expect(seen).toContainEqual(["setMirrorRoute(mirror)", "updateHash(RS2,RS1)", "setWeight(25)"]);
    return pass(cluster).cluster;
  }

  it("each step completes in the pass that sends it; the routes stay until the update ends", () => {
    const cluster = toSecondPause();
    expect(cluster.rollout.status?.phase).toBe("Paused");
    expect(Object.keys(cluster.router?.routes ?? {}).sort()).toEqual(["hdr", "mirror"]);
    expect(cluster.router?.routes.mirror?.step).toMatchObject({ percentage: 35 });
    let done = promote(cluster);
    for (let i = 0; i < 6; i++) done = pass(done).cluster;
    expect(done.rollout.status?.phase).toBe("Healthy");
    expect(done.router?.routes).toEqual({});
    expect(done.router?.weight).toBe(0);
  });

  it("abort removes the managed routes and returns the weight to 0", () => {
    const aborted = pass(abort(toSecondPause()));
    expect(namedCalls(aborted.cluster, routerCalls(aborted.plan))).toEqual([
      "removeManagedRoutes",
      "updateHash(RS2,RS1)",
      "setWeight(0)",
    ]);
    expect(aborted.cluster.router?.routes).toEqual({});
  });
});

describe("ping-pong Services (§5.6)", () => {
  it("the canary side follows the new RS, and each promotion flips the stable side", () => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 50 }, { pause: {} }],
      pingPong: { pingService: "ping", pongService: "pong" },
      trafficRouting: { plugins: { "example/router": {} } },
    };
    let cluster = healthy(canary, ["ping", "pong"]);
    // No record yet: pong is the stable side.
    expect(cluster.rollout.status?.canary?.stablePingPong).toBeUndefined();
    const rev1 = cluster.rollout.status?.currentPodHash;
    cluster = setImage(cluster, "web:2");
    for (let i = 0; i < 8 && cluster.rollout.status?.phase !== "Paused"; i++) {
      cluster = pass(cluster).cluster;
    }
    expect(cluster.rollout.status?.phase).toBe("Paused");
    const rev2 = cluster.rollout.status?.currentPodHash;
    expect([selectorOf(cluster, "ping"), selectorOf(cluster, "pong")]).toEqual([rev2, rev1]);
    expect(cluster.rollout.status?.canary?.weights).toMatchObject({
      canary: { weight: 50, serviceName: "ping" },
      stable: { weight: 50, serviceName: "pong" },
    });
    cluster = promote(cluster);
    for (let i = 0; i < 6; i++) cluster = pass(cluster).cluster;
    expect(cluster.rollout.status?.phase).toBe("Healthy");
    // The first promotion makes ping the stable side; the Services were never swapped.
    expect(cluster.rollout.status?.canary?.stablePingPong).toBe("ping");
    expect(selectorOf(cluster, "ping")).toBe(rev2);
    expect(cluster.rollout.status?.canary?.weights).toMatchObject({
      canary: { weight: 0, serviceName: "pong" },
      stable: { weight: 100, serviceName: "ping" },
    });
  });
});

describe("ordering (§5.3)", () => {
  it("a lower setWeight moves traffic off the canary before its pods are removed", () => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 50 }, { setWeight: 25 }, { pause: {} }],
      ...services,
      trafficRouting: { smi: {} },
    };
    let cluster = setImage(healthy(canary), "web:2");
    for (let i = 0; i < 3; i++) cluster = pass(cluster).cluster;
    expect(cluster.rollout.status?.currentStepIndex).toBe(1);
    expect(sizes(cluster)).toEqual([4, 2]);
    const down = pass(cluster);
    const actions = down.plan.actions;
    const weightAt = actions.findIndex(
      (a) => a.kind === "router" && a.call.method === "setWeight" && a.call.weight === 25,
    );
    const scaleAt = actions.findIndex((a) => a.kind === "updateReplicaSet" && a.replicas === 1);
    expect(weightAt).toBeGreaterThanOrEqual(0);
    expect(scaleAt).toBeGreaterThan(weightAt);
    expect(sizes(down.cluster)).toEqual([4, 1]);
  });
});

describe("old stable RSs after promotion (§5.7)", () => {
  const deploy = (cluster: Cluster, image: string): Cluster => {
    let current = setImage(cluster, image);
    for (let i = 0; i < 12; i++) current = pass(current).cluster;
    expect(current.rollout.status?.stableRS).toBe(current.rollout.status?.currentPodHash);
    return current;
  };

  it("scaleDownDelayRevisionLimit keeps only the newest old RSs waiting", () => {
    const canary: CanaryStrategy = {
      ...services,
      trafficRouting: { smi: {} },
      scaleDownDelaySeconds: 100,
      scaleDownDelayRevisionLimit: 1,
    };
    let cluster = deploy(healthy(canary), "web:2");
    expect(sizes(cluster)).toEqual([4, 4]);
    cluster = deploy(cluster, "web:3");
    // RS2 waits out its delay; RS1, beyond the limit, goes at once.
    expect(sizes(cluster)).toEqual([0, 4, 4]);
  });

  it("scaleDownDelaySeconds: 0 scales the old stable down as soon as it is unreferenced", () => {
    const canary: CanaryStrategy = {
      ...services,
      trafficRouting: { smi: {} },
      scaleDownDelaySeconds: 0,
    };
    expect(sizes(deploy(healthy(canary), "web:2"))).toEqual([0, 4]);
  });
});

describe("maxTrafficWeight", () => {
  it("weights are shares of W, and the end weight is W", () => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 250 }, { pause: {} }],
      ...services,
      trafficRouting: { maxTrafficWeight: 1000, plugins: { "example/router": {} } },
    };
    let cluster = setImage(healthy(canary), "web:2");
    for (let i = 0; i < 6 && cluster.rollout.status?.phase !== "Paused"; i++) {
      cluster = pass(cluster).cluster;
    }
    expect(sizes(cluster)).toEqual([4, 1]);
    const weights = cluster.rollout.status?.canary?.weights;
    expect([weights?.canary.weight, weights?.stable.weight]).toEqual([250, 750]);
    cluster = promote(cluster);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      cluster = pass(cluster).cluster;
      seen.push(cluster.router?.weight ?? -1);
    }
    expect(seen).toContain(1000);
    expect(cluster.rollout.status?.phase).toBe("Healthy");
  });
});

describe("replicaProgressThreshold with traffic routing", () => {
  it("the weight moves once the threshold of canary pods is available", () => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 50 }, { pause: {} }],
      ...services,
      trafficRouting: { smi: {} },
      replicaProgressThreshold: { type: "Pods", value: 1 },
    };
    // Revision 2 never gets more than 1 available pod.
    const availability = (rs: { metadata?: { name?: string }; spec?: { replicas?: number } }) =>
      rs.metadata?.name === cluster0.replicaSets[0]?.metadata?.name ? (rs.spec?.replicas ?? 0) : 1;
    const cluster0 = healthy(canary);
    let cluster = setImage(cluster0, "web:2");
    for (let i = 0; i < 6 && cluster.rollout.status?.phase !== "Paused"; i++) {
      cluster = pass(cluster, { availability }).cluster;
    }
    expect(cluster.rollout.status?.phase).toBe("Paused");
    expect(sizes(cluster)).toEqual([4, 2]);
    expect(cluster.rollout.status?.canary?.weights?.canary.weight).toBe(50);
  });
});
