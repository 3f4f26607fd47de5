// The TrafficSplit CRD serving the three versions the router writes (spec/traffic-routers.md
// 5: upstream's e2e CRD serves only v1alpha4, so the test registers its own). Unknown fields
// are preserved so the test sees exactly what the router wrote.
export const trafficSplitCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "trafficsplits.split.smi-spec.io" },
  spec: {
    group: "split.smi-spec.io",
    names: {
      kind: "TrafficSplit",
      listKind: "TrafficSplitList",
      plural: "trafficsplits",
      singular: "trafficsplit",
      shortNames: ["ts"],
    },
    scope: "Namespaced",
    versions: ["v1alpha1", "v1alpha2", "v1alpha3"].map((name) => ({
      name,
      served: true,
      storage: name === "v1alpha2",
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      },
    })),
  },
};
