// A Rollout of realistic size (about 1.5 KB of JSON), as the controller sends it on every call.
export const benchRollout = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: {
    name: "web",
    namespace: "shop",
    uid: "8f0a3c1e-9b52-4a47-bb0e-2f1d6c9e7a31",
    generation: 7,
    labels: { app: "web", team: "storefront" },
    annotations: { "rollout.argoproj.io/revision": "4" },
  },
  spec: {
    replicas: 6,
    revisionHistoryLimit: 3,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "registry.example.com/shop/web:2.14.1",
            ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 5 },
          },
        ],
      },
    },
    strategy: {
      canary: {
        canaryService: "web-canary",
        stableService: "web-stable",
        maxSurge: "25%",
        maxUnavailable: 0,
        trafficRouting: {
          plugins: { "bench/memory-router": { routeName: "web" } },
          managedRoutes: [{ name: "header-route" }],
        },
        steps: [
          { setWeight: 10 },
          { pause: { duration: "1m" } },
          { setWeight: 30 },
          { pause: {} },
          { setWeight: 60 },
        ],
      },
    },
  },
  status: {
    phase: "Progressing",
    currentPodHash: "7c9f5d6b8",
    stableRS: "5f6d4c7b9",
    currentStepIndex: 2,
    replicas: 8,
    readyReplicas: 8,
    availableReplicas: 8,
    canary: {
      weights: {
        canary: { weight: 10, podTemplateHash: "7c9f5d6b8", serviceName: "web-canary" },
        stable: { weight: 90, podTemplateHash: "5f6d4c7b9", serviceName: "web-stable" },
      },
    },
  },
};
