import type { ResourceType } from "../api/registry.js";
import { getPath, isObject, type KubeObject } from "../api/types.js";
import { evaluateJsonPath } from "./jsonpath.js";

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

/** Age as kubectl prints it (the API server's human-readable duration). */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  return years < 8 ? `${years}y${Math.floor(hours / 24) % 365}d` : `${years}y`;
}

function age(obj: KubeObject): string {
  const created = Date.parse(obj.metadata.creationTimestamp ?? "");
  return Number.isNaN(created) ? "<unknown>" : humanDuration(Date.now() - created);
}

const column = (
  name: string,
  type = "string",
  description = "",
  priority = 0,
  format = "",
): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

function podCells(pod: KubeObject): Cell[] {
  const statuses = getPath(pod, ["status", "containerStatuses"]);
  const containers = getPath(pod, ["spec", "containers"]);
  const list = Array.isArray(statuses) ? statuses.filter(isObject) : [];
  const ready = list.filter((s) => s.ready === true).length;
  const total = Array.isArray(containers) ? containers.length : list.length;
  const restarts = list.reduce((sum, s) => sum + num(s.restartCount), 0);
  let phase = String(getPath(pod, ["status", "phase"]) ?? "Pending");
  for (const s of list) {
    const waiting = getPath(s, ["state", "waiting", "reason"]);
    if (typeof waiting === "string") phase = waiting;
  }
  if (pod.metadata.deletionTimestamp) phase = "Terminating";
  return [pod.metadata.name ?? "", `${ready}/${total}`, phase, restarts, age(pod)];
}

function builtinTable(
  type: ResourceType,
): { columns: Column[]; cells: (obj: KubeObject) => Cell[] } | undefined {
  const name = column("Name", "string", "Name must be unique within a namespace.", 0, "name");
  const ageColumn = column(
    "Age",
    "string",
    "CreationTimestamp is the time the object was created.",
  );
  switch (type.plural) {
    case "pods":
      return {
        columns: [name, column("Ready"), column("Status"), column("Restarts", "string"), ageColumn],
        cells: podCells,
      };
    case "deployments":
      return {
        columns: [
          name,
          column("Ready"),
          column("Up-to-date", "integer"),
          column("Available", "integer"),
          ageColumn,
        ],
        cells: (d) => [
          d.metadata.name ?? "",
          `${num(getPath(d, ["status", "readyReplicas"]))}/${num(getPath(d, ["spec", "replicas"]))}`,
          num(getPath(d, ["status", "updatedReplicas"])),
          num(getPath(d, ["status", "availableReplicas"])),
          age(d),
        ],
      };
    case "replicasets":
      return {
        columns: [
          name,
          column("Desired", "integer"),
          column("Current", "integer"),
          column("Ready", "integer"),
          ageColumn,
        ],
        cells: (rs) => [
          rs.metadata.name ?? "",
          num(getPath(rs, ["spec", "replicas"])),
          num(getPath(rs, ["status", "replicas"])),
          num(getPath(rs, ["status", "readyReplicas"])),
          age(rs),
        ],
      };
    case "jobs":
      return {
        columns: [name, column("Completions"), ageColumn],
        cells: (job) => [
          job.metadata.name ?? "",
          `${num(getPath(job, ["status", "succeeded"]))}/${num(getPath(job, ["spec", "completions"]))}`,
          age(job),
        ],
      };
    case "services":
      return {
        columns: [name, column("Type"), column("Cluster-IP"), column("Port(s)"), ageColumn],
        cells: (svc) => {
          const ports = getPath(svc, ["spec", "ports"]);
          const text = Array.isArray(ports)
            ? ports
                .filter(isObject)
                .map((p) => `${String(p.port)}/${String(p.protocol ?? "TCP")}`)
                .join(",")
            : "<none>";
          return [
            svc.metadata.name ?? "",
            String(getPath(svc, ["spec", "type"]) ?? ""),
            String(getPath(svc, ["spec", "clusterIP"]) ?? ""),
            text,
            age(svc),
          ];
        },
      };
    case "namespaces":
      return {
        columns: [name, column("Status"), ageColumn],
        cells: (ns) => [
          ns.metadata.name ?? "",
          String(getPath(ns, ["status", "phase"]) ?? ""),
          age(ns),
        ],
      };
    default:
      return undefined;
  }
}

function formatCell(value: unknown, type: string): Cell {
  if (value === undefined || value === null) return null;
  if (type === "date" && typeof value === "string") {
    const time = Date.parse(value);
    return Number.isNaN(time) ? "<invalid>" : humanDuration(Date.now() - time);
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  return JSON.stringify(value);
}

function tableShape(type: ResourceType): { columns: Column[]; cells: (obj: KubeObject) => Cell[] } {
  const builtin = type.builtin ? builtinTable(type) : undefined;
  if (builtin) return builtin;
  const name = column("Name", "string", "Name must be unique within a namespace.", 0, "name");
  const printer = type.printerColumns;
  if (printer && printer.length > 0) {
    return {
      columns: [
        name,
        ...printer.map((c) =>
          column(c.name, c.type, c.description ?? "", c.priority ?? 0, c.format ?? ""),
        ),
      ],
      cells: (obj) => [
        obj.metadata.name ?? "",
        ...printer.map((c) => formatCell(evaluateJsonPath(obj, c.jsonPath), c.type)),
      ],
    };
  }
  return {
    columns: [name, column("Age", "date", "CreationTimestamp is the time the object was created.")],
    cells: (obj) => [obj.metadata.name ?? "", age(obj)],
  };
}

/** A meta.k8s.io/v1 Table, which kubectl asks for with `Accept: ...;as=Table`. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  includeObject: string,
  listMetadata: Record<string, unknown>,
): Record<string, unknown> {
  const shape = tableShape(type);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMetadata,
    columnDefinitions: shape.columns,
    rows: objects.map((obj) => ({
      cells: shape.cells(obj),
      ...(includeObject === "None"
        ? {}
        : {
            object:
              includeObject === "Object"
                ? obj
                : {
                    kind: "PartialObjectMetadata",
                    apiVersion: "meta.k8s.io/v1",
                    metadata: obj.metadata,
                  },
          }),
    })),
  };
}
