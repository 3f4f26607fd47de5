// spec/analysis-and-providers.md §5.3: what an answer of the web endpoint becomes.
import { goJsonMarshal, MeasurementError, type MeasurementOutcome } from "@sluice/provider-common";
import { type CompiledJsonPath, findResults, JsonPathError } from "./jsonpath.js";

export function parseWebResponse(
  status: number,
  body: string,
  jsonPath: CompiledJsonPath,
): MeasurementOutcome {
  if (status < 200 || status >= 300) {
    throw new MeasurementError(`received non 2xx response code: ${status}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    // A body that is not JSON is the result itself, raw (also the empty body).
    return { value: body, result: body };
  }
  let results: unknown[][];
  try {
    results = findResults(jsonPath, document);
  } catch (error) {
    if (error instanceof JsonPathError) {
      throw new MeasurementError(`Could not find JSONPath in body: ${error.message}`, false);
    }
    throw error;
  }
  for (const segment of results) {
    if (segment.length > 0) {
      const result = segment[0];
      return { value: goJsonMarshal(result), result };
    }
  }
  throw new MeasurementError("result of web metric produced no value", false);
}
