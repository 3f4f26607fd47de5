/**
 * Field numbers of the Kubernetes API types that kubectl sends as protobuf: what `kubectl
 * create namespace|configmap|secret|serviceaccount|deployment|job|service|ingress|pdb ...`
 * generate, plus
 * the fields of those types a user can set through the generators' flags. The numbers are the
 * public wire format of the API (the `generated.proto` files of k8s.io/api and
 * k8s.io/apimachinery); only fields listed here are decoded, others are ignored.
 *
 * Scalars come in two flavours because Go's encoder always sends a struct's value fields, set
 * or not, but sends pointer fields only when set: `int`/`bool` are pointers (a 0 or false that
 * arrives was meant), `int0`/`bool0` are values (0 and false mean "not set" and are dropped, as
 * JSON clients omit them). Empty strings are always dropped for the same reason.
 */
export type FieldType =
  | "string"
  | "int"
  | "int0"
  | "bool"
  | "bool0"
  | "bytes"
  | "stringMap"
  | "bytesMap"
  | "quantityMap"
  | "intOrString"
  | MessageSchema;

export interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** A Go struct embedded inline: its fields appear in the parent's JSON (IngressRuleValue). */
  inline?: boolean;
}

export type MessageSchema = { [fieldNumber: number]: FieldSpec };

const OWNER_REFERENCE: MessageSchema = {
  1: { name: "kind", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "controller", type: "bool" },
  7: { name: "blockOwnerDeletion", type: "bool" },
};

const OBJECT_META: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  11: { name: "labels", type: "stringMap" },
  12: { name: "annotations", type: "stringMap" },
  13: { name: "ownerReferences", type: OWNER_REFERENCE, repeated: true },
  14: { name: "finalizers", type: "string", repeated: true },
};

const LOCAL_REFERENCE: MessageSchema = { 1: { name: "name", type: "string" } };

const LABEL_SELECTOR: MessageSchema = {
  1: { name: "matchLabels", type: "stringMap" },
  2: {
    name: "matchExpressions",
    type: {
      1: { name: "key", type: "string" },
      2: { name: "operator", type: "string" },
      3: { name: "values", type: "string", repeated: true },
    },
    repeated: true,
  },
};

const CONTAINER_PORT: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "hostPort", type: "int0" },
  3: { name: "containerPort", type: "int0" },
  4: { name: "protocol", type: "string" },
  5: { name: "hostIP", type: "string" },
};

const ENV_VAR: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "value", type: "string" },
};

const RESOURCES: MessageSchema = {
  1: { name: "limits", type: "quantityMap" },
  2: { name: "requests", type: "quantityMap" },
};

const CONTAINER: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "image", type: "string" },
  3: { name: "command", type: "string", repeated: true },
  4: { name: "args", type: "string", repeated: true },
  5: { name: "workingDir", type: "string" },
  6: { name: "ports", type: CONTAINER_PORT, repeated: true },
  7: { name: "env", type: ENV_VAR, repeated: true },
  8: { name: "resources", type: RESOURCES },
  13: { name: "terminationMessagePath", type: "string" },
  14: { name: "imagePullPolicy", type: "string" },
  16: { name: "stdin", type: "bool0" },
  17: { name: "stdinOnce", type: "bool0" },
  18: { name: "tty", type: "bool0" },
  20: { name: "terminationMessagePolicy", type: "string" },
  24: { name: "restartPolicy", type: "string" },
};

const POD_SPEC: MessageSchema = {
  2: { name: "containers", type: CONTAINER, repeated: true },
  3: { name: "restartPolicy", type: "string" },
  4: { name: "terminationGracePeriodSeconds", type: "int" },
  5: { name: "activeDeadlineSeconds", type: "int" },
  6: { name: "dnsPolicy", type: "string" },
  7: { name: "nodeSelector", type: "stringMap" },
  8: { name: "serviceAccountName", type: "string" },
  10: { name: "nodeName", type: "string" },
  15: { name: "imagePullSecrets", type: LOCAL_REFERENCE, repeated: true },
  16: { name: "hostname", type: "string" },
  17: { name: "subdomain", type: "string" },
  19: { name: "schedulerName", type: "string" },
  20: { name: "initContainers", type: CONTAINER, repeated: true },
  21: { name: "automountServiceAccountToken", type: "bool" },
  24: { name: "priorityClassName", type: "string" },
};

const POD_TEMPLATE: MessageSchema = {
  1: { name: "metadata", type: OBJECT_META },
  2: { name: "spec", type: POD_SPEC },
};

const ROLLING_UPDATE_DEPLOYMENT: MessageSchema = {
  1: { name: "maxUnavailable", type: "intOrString" },
  2: { name: "maxSurge", type: "intOrString" },
};

const DEPLOYMENT_SPEC: MessageSchema = {
  1: { name: "replicas", type: "int" },
  2: { name: "selector", type: LABEL_SELECTOR },
  3: { name: "template", type: POD_TEMPLATE },
  4: {
    name: "strategy",
    type: {
      1: { name: "type", type: "string" },
      2: { name: "rollingUpdate", type: ROLLING_UPDATE_DEPLOYMENT },
    },
  },
  5: { name: "minReadySeconds", type: "int0" },
  6: { name: "revisionHistoryLimit", type: "int" },
  7: { name: "paused", type: "bool0" },
  9: { name: "progressDeadlineSeconds", type: "int" },
};

const JOB_SPEC: MessageSchema = {
  1: { name: "parallelism", type: "int" },
  2: { name: "completions", type: "int" },
  3: { name: "activeDeadlineSeconds", type: "int" },
  4: { name: "selector", type: LABEL_SELECTOR },
  5: { name: "manualSelector", type: "bool" },
  6: { name: "template", type: POD_TEMPLATE },
  7: { name: "backoffLimit", type: "int" },
  8: { name: "ttlSecondsAfterFinished", type: "int" },
  9: { name: "completionMode", type: "string" },
  10: { name: "suspend", type: "bool" },
};

const SERVICE_PORT: MessageSchema = {
  1: { name: "name", type: "string" },
  2: { name: "protocol", type: "string" },
  3: { name: "port", type: "int0" },
  4: { name: "targetPort", type: "intOrString" },
  5: { name: "nodePort", type: "int0" },
  6: { name: "appProtocol", type: "string" },
};

const SERVICE_SPEC: MessageSchema = {
  1: { name: "ports", type: SERVICE_PORT, repeated: true },
  2: { name: "selector", type: "stringMap" },
  3: { name: "clusterIP", type: "string" },
  4: { name: "type", type: "string" },
  5: { name: "externalIPs", type: "string", repeated: true },
  7: { name: "sessionAffinity", type: "string" },
  8: { name: "loadBalancerIP", type: "string" },
  10: { name: "externalName", type: "string" },
  11: { name: "externalTrafficPolicy", type: "string" },
  13: { name: "publishNotReadyAddresses", type: "bool0" },
  18: { name: "clusterIPs", type: "string", repeated: true },
};

const INGRESS_BACKEND: MessageSchema = {
  4: {
    name: "service",
    type: {
      1: { name: "name", type: "string" },
      2: {
        name: "port",
        type: { 1: { name: "name", type: "string" }, 2: { name: "number", type: "int0" } },
      },
    },
  },
  3: {
    name: "resource",
    type: {
      1: { name: "apiGroup", type: "string" },
      2: { name: "kind", type: "string" },
      3: { name: "name", type: "string" },
    },
  },
};

const INGRESS_SPEC: MessageSchema = {
  1: { name: "defaultBackend", type: INGRESS_BACKEND },
  2: {
    name: "tls",
    type: {
      1: { name: "hosts", type: "string", repeated: true },
      2: { name: "secretName", type: "string" },
    },
    repeated: true,
  },
  3: {
    name: "rules",
    type: {
      1: { name: "host", type: "string" },
      2: {
        name: "ingressRuleValue",
        inline: true,
        type: {
          1: {
            name: "http",
            type: {
              1: {
                name: "paths",
                type: {
                  1: { name: "path", type: "string" },
                  2: { name: "backend", type: INGRESS_BACKEND },
                  3: { name: "pathType", type: "string" },
                },
                repeated: true,
              },
            },
          },
        },
      },
    },
    repeated: true,
  },
  4: { name: "ingressClassName", type: "string" },
};

const POD_DISRUPTION_BUDGET_SPEC: MessageSchema = {
  1: { name: "minAvailable", type: "intOrString" },
  2: { name: "selector", type: LABEL_SELECTOR },
  3: { name: "maxUnavailable", type: "intOrString" },
  4: { name: "unhealthyPodEvictionPolicy", type: "string" },
};

/** Top-level kinds kubectl creates with protobuf bodies, by `kind`. */
export const PROTOBUF_KINDS: Record<string, MessageSchema> = {
  Namespace: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "spec", type: { 1: { name: "finalizers", type: "string", repeated: true } } },
  },
  ConfigMap: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "data", type: "stringMap" },
    3: { name: "binaryData", type: "bytesMap" },
    4: { name: "immutable", type: "bool" },
  },
  Secret: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "data", type: "bytesMap" },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: "stringMap" },
    5: { name: "immutable", type: "bool" },
  },
  ServiceAccount: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "secrets", type: LOCAL_REFERENCE, repeated: true },
    3: { name: "imagePullSecrets", type: LOCAL_REFERENCE, repeated: true },
    4: { name: "automountServiceAccountToken", type: "bool" },
  },
  // Status (field 3) is not decoded: a create drops it anyway.
  Deployment: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "spec", type: DEPLOYMENT_SPEC },
  },
  Job: { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "spec", type: JOB_SPEC } },
  Service: { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "spec", type: SERVICE_SPEC } },
  Ingress: { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "spec", type: INGRESS_SPEC } },
  PodDisruptionBudget: {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "spec", type: POD_DISRUPTION_BUDGET_SPEC },
  },
};
