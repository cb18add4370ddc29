/**
 * A W3C trace context `traceparent` (https://www.w3.org/TR/trace-context/):
 * "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>". Invocations, events and
 * the occurrences they make carry the one of what created them, so that a trace
 * continues through triggers (docs/design.md §5).
 */
export type Traceparent = string;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** True for a version-00 traceparent with a trace id and a parent id that are not all zeros. */
export function isTraceparent(value: string): boolean {
  const match = TRACEPARENT.exec(value);
  return match !== null && !/^0+$/.test(match[1] as string) && !/^0+$/.test(match[2] as string);
}

/** A traceparent as received (a header, a field): kept when valid, dropped otherwise, as W3C asks. */
export function acceptTraceparent(value: string | null | undefined): Traceparent | undefined {
  const trimmed = value?.trim().toLowerCase();
  return trimmed && isTraceparent(trimmed) ? trimmed : undefined;
}
