/** A CEL expression, evaluated by the orchestrator itself (works from any language). */
export interface CelExpression {
  readonly kind: "cel";
  readonly expression: string;
}

/**
 * Marks a string as a CEL expression for a filter, an argument provider or a
 * correlation key. Its variables are the context's fields: `arguments`, `result`,
 * `status`, `exceptionType`, `exceptionMessage`, `payload`, `eventCode`, ...
 *
 * @example
 * new TriggerBuilder().onStatus(processOrder, {
 *   callArguments: cel("arguments.amount > 1000 && arguments.priority == 'high'"),
 * });
 */
export function cel(expression: string): CelExpression {
  if (typeof expression !== "string" || expression.trim() === "") {
    throw new TypeError("cel(expression): the expression must be a non-empty string");
  }
  return Object.freeze({ kind: "cel", expression });
}

/** True for a value made by cel(). */
export function isCel(value: unknown): value is CelExpression {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as CelExpression).kind === "cel" &&
    typeof (value as CelExpression).expression === "string"
  );
}
