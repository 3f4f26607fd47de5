/**
 * Errors of the condition language. Every failure (lexing, parsing, evaluation) is an
 * `ExprError` that names where in the expression it happened, so a user reading an
 * AnalysisRun message can find the offending part of `successCondition`.
 */

export interface ExprPosition {
  /** 0-based offset into the expression, in UTF-16 code units (JS string index). */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column on that line. */
  readonly column: number;
}

export interface ExprErrorInfo {
  readonly message: string;
  readonly position: ExprPosition;
}

export class ExprError extends Error {
  readonly position: ExprPosition;
  /** The message without the position suffix. */
  readonly detail: string;

  constructor(detail: string, position: ExprPosition) {
    super(`${detail} (${position.line}:${position.column})`);
    this.name = "ExprError";
    this.detail = detail;
    this.position = position;
  }

  toInfo(): ExprErrorInfo {
    return { message: this.message, position: this.position };
  }
}

/** Turns an offset into a line/column pair for the given source. */
export function positionAt(source: string, offset: number): ExprPosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}
