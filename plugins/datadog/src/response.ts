// spec/analysis-and-providers.md §5.2: what Datadog's answer becomes.
import {
  formatGoFloat,
  formatGoFloatList,
  isObject,
  MeasurementError,
  type MeasurementOutcome,
} from "@sluice/provider-common";

/** Most groups kept in `metadata.groups`: the 50 lowest and the 50 highest values. */
export const MAX_GROUPS_IN_METADATA = 100;

export function checkStatus(status: number, body: string): void {
  if (status === 401 || status === 403) {
    throw new MeasurementError(
      `received authentication error response code: ${status} ${body}`,
      false,
    );
  }
  if (status !== 200) {
    throw new MeasurementError(`received non 2xx response code: ${status} ${body}`);
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new MeasurementError(
      `Could not parse JSON body: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export function parseV1Response(status: number, body: string): MeasurementOutcome {
  checkStatus(status, body);
  const parsed = parseJson(body);
  const series = isObject(parsed) ? parsed.series : undefined;
  const first = Array.isArray(series) ? series[0] : undefined;
  const points = isObject(first) ? first.pointlist : undefined;
  if (!Array.isArray(series) || !Array.isArray(points) || points.length === 0) {
    // No data: result nil, value the series list as the original prints it (`null`, `[]`,
    // `[{"pointlist":[]}]`).
    return { value: describeEmptySeries(series), result: null };
  }
  const point = points[points.length - 1];
  if (!Array.isArray(point) || point.length !== 2) {
    throw new MeasurementError("Datapoint does not have 2 values");
  }
  // A null value decodes to 0 in the original (Go float64).
  const value = point[1] === null ? 0 : point[1];
  if (typeof value !== "number") {
    throw new MeasurementError(`Datapoint value ${JSON.stringify(value)} is not a number`);
  }
  return { value: formatGoFloat(value), result: value };
}

function describeEmptySeries(series: unknown): string {
  if (!Array.isArray(series)) return "null";
  return JSON.stringify(
    series.map((item) => ({
      pointlist: isObject(item) && Array.isArray(item.pointlist) ? item.pointlist : null,
    })),
  );
}

interface Column {
  name: string;
  type: string;
  values: unknown[];
}

export function parseV2Response(status: number, body: string): MeasurementOutcome {
  checkStatus(status, body);
  const parsed = parseJson(body);
  const data = isObject(parsed) && isObject(parsed.data) ? parsed.data : {};
  // Datadog documents `errors` beside `data`; the original reads `data.errors`. Both count.
  const errors = data.errors ?? (isObject(parsed) ? parsed.errors : undefined);
  if (typeof errors === "string" ? errors !== "" : Array.isArray(errors) && errors.length > 0) {
    const text = typeof errors === "string" ? errors : JSON.stringify(errors);
    throw new MeasurementError(`There were errors in your query: ${text}`, false);
  }
  const attributes = isObject(data.attributes) ? data.attributes : {};
  const columns: Column[] = (Array.isArray(attributes.columns) ? attributes.columns : [])
    .filter(isObject)
    .map((column) => ({
      name: typeof column.name === "string" ? column.name : "",
      type: typeof column.type === "string" ? column.type : "",
      values: Array.isArray(column.values) ? column.values : [],
    }));
  // spec §5.2: the first `number` (or untyped) column is read; every group column labels rows.
  const numberColumn = columns.find((c) => c.type === "" || c.type === "number");
  const groupColumns = columns.filter((c) => c.type === "group");
  const grouped = groupColumns.length > 0;
  const values: number[] = [];
  const groups: Array<{ name: string; value: number }> = [];
  for (const [index, raw] of (numberColumn?.values ?? []).entries()) {
    if (raw === null) continue; // no data for this group
    if (typeof raw !== "number") {
      throw new MeasurementError(
        `could not parse numeric value ${JSON.stringify(raw)} in column ${JSON.stringify(numberColumn?.name)}`,
      );
    }
    values.push(raw);
    if (grouped) groups.push({ name: groupLabel(groupColumns, index), value: raw });
  }
  if (values.length === 0) return { value: "[]", result: null };
  if (!grouped) {
    const first = values[0] ?? 0;
    return { value: formatGoFloat(first), result: first };
  }
  const metadata: Record<string, string> = { groups: groupsMetadata(groups) };
  if (groups.length > MAX_GROUPS_IN_METADATA) metadata.groups_truncated = "true";
  return { value: formatGoFloatList(values), result: values, metadata };
}

function groupLabel(columns: Column[], index: number): string {
  const parts: string[] = [];
  for (const column of columns) {
    const tags = column.values[index];
    if (!Array.isArray(tags) || tags.length === 0 || !tags.every((t) => typeof t === "string")) {
      throw new MeasurementError(`could not parse group label at index ${index}`);
    }
    parts.push(...tags);
  }
  return parts.join(",");
}

function groupsMetadata(groups: Array<{ name: string; value: number }>): string {
  let kept = groups;
  if (groups.length > MAX_GROUPS_IN_METADATA) {
    const sorted = [...groups].sort((a, b) => a.value - b.value);
    const low = MAX_GROUPS_IN_METADATA / 2;
    kept = [
      ...sorted.slice(0, low),
      ...sorted.slice(sorted.length - (MAX_GROUPS_IN_METADATA - low)),
    ];
  }
  return JSON.stringify(kept.map((g) => ({ name: g.name, value: g.value })));
}
