// The five CustomResourceDefinitions, rendered from the kind schemas. Written to
// deploy/crds/ by scripts/gen-crds.mjs; crds.test.ts fails when the committed files are stale.
import type { TSchema } from "@sinclair/typebox";
import { stringify } from "yaml";
import {
  AnalysisRunSchema,
  AnalysisTemplateSchema,
  ClusterAnalysisTemplateSchema,
} from "./analysis.js";
import { API_GROUP, API_VERSION } from "./common.js";
import { type JsonSchemaProps, toKindSchema } from "./crd-schema.js";
import { ExperimentSchema } from "./experiment.js";
import { RolloutSchema } from "./rollout.js";

interface PrinterColumn {
  name: string;
  type: "integer" | "string" | "date";
  jsonPath: string;
  description: string;
}

interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  schema: TSchema;
  printerColumns: PrinterColumn[];
  scale: boolean;
  status: boolean;
}

const AGE: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since the object was created",
};

const STATUS_PHASE = (what: string): PrinterColumn => ({
  name: "Status",
  type: "string",
  jsonPath: ".status.phase",
  description: `Phase of the ${what}`,
});

export const KIND_DEFINITIONS: readonly KindDefinition[] = [
  {
    kind: "Rollout",
    plural: "rollouts",
    singular: "rollout",
    shortNames: ["ro"],
    scope: "Namespaced",
    schema: RolloutSchema,
    scale: true,
    status: true,
    printerColumns: [
      { name: "Desired", type: "integer", jsonPath: ".spec.replicas", description: "Pods wanted" },
      {
        name: "Current",
        type: "integer",
        jsonPath: ".status.replicas",
        description: "Pods that exist, any revision",
      },
      {
        name: "Up-to-date",
        type: "integer",
        jsonPath: ".status.updatedReplicas",
        description: "Pods of the current revision",
      },
      {
        name: "Available",
        type: "integer",
        jsonPath: ".status.availableReplicas",
        description: "Pods ready for at least minReadySeconds",
      },
      AGE,
    ],
  },
  {
    kind: "AnalysisTemplate",
    plural: "analysistemplates",
    singular: "analysistemplate",
    shortNames: ["at"],
    scope: "Namespaced",
    schema: AnalysisTemplateSchema,
    scale: false,
    status: false,
    printerColumns: [AGE],
  },
  {
    kind: "ClusterAnalysisTemplate",
    plural: "clusteranalysistemplates",
    singular: "clusteranalysistemplate",
    shortNames: ["cat"],
    scope: "Cluster",
    schema: ClusterAnalysisTemplateSchema,
    scale: false,
    status: false,
    printerColumns: [AGE],
  },
  {
    kind: "AnalysisRun",
    plural: "analysisruns",
    singular: "analysisrun",
    shortNames: ["ar"],
    scope: "Namespaced",
    schema: AnalysisRunSchema,
    scale: false,
    status: true,
    printerColumns: [STATUS_PHASE("analysis run"), AGE],
  },
  {
    kind: "Experiment",
    plural: "experiments",
    singular: "experiment",
    shortNames: ["exp"],
    scope: "Namespaced",
    schema: ExperimentSchema,
    scale: false,
    status: true,
    printerColumns: [STATUS_PHASE("experiment"), AGE],
  },
];

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
    };
    scope: "Namespaced" | "Cluster";
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JsonSchemaProps };
      subresources?: {
        status?: Record<string, never>;
        scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
      };
    }>;
  };
}

export function buildCrd(def: KindDefinition): CustomResourceDefinition {
  const subresources: NonNullable<
    CustomResourceDefinition["spec"]["versions"][number]["subresources"]
  > = {};
  if (def.status) subresources.status = {};
  if (def.scale) {
    // spec/rollout-behavior.md §1: HPA scales through /scale.
    subresources.scale = {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.HPAReplicas",
      labelSelectorPath: ".status.selector",
    };
  }
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${def.plural}.${API_GROUP}`,
      labels: {
        "app.kubernetes.io/name": `${def.plural}.${API_GROUP}`,
        "app.kubernetes.io/part-of": "sluice",
      },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
      },
      scope: def.scope,
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          additionalPrinterColumns: def.printerColumns,
          schema: { openAPIV3Schema: toKindSchema(def.schema) },
          ...(def.status || def.scale ? { subresources } : {}),
        },
      ],
    },
  };
}

const HEADER =
  "# Generated from controller/src/api by `npm run crds -w @sluice/controller`. Do not edit by hand:\n" +
  "# change the schema in controller/src/api and regenerate.\n";

/** File name (under deploy/crds/) → YAML text, for all five kinds. */
export function renderCrds(): Map<string, string> {
  const files = new Map<string, string>();
  for (const def of KIND_DEFINITIONS) {
    files.set(`${def.plural}.yaml`, HEADER + stringify(buildCrd(def), { lineWidth: 0 }));
  }
  return files;
}
