/**
 * The statuses of an invocation. `InvocationStatus.SUCCESS === "SUCCESS"`, so the
 * seed's `statuses: [InvocationStatus.SUCCESS]` and `statuses: ["success"]` are the same.
 */
export const InvocationStatus = {
  REGISTERED: "REGISTERED",
  PENDING: "PENDING",
  RUNNING: "RUNNING",
  SUCCESS: "SUCCESS",
  FAILED: "FAILED",
  RETRY: "RETRY",
} as const;

/** A status name: "REGISTERED", "PENDING", "RUNNING", "SUCCESS", "FAILED" or "RETRY". */
export type InvocationStatus = (typeof InvocationStatus)[keyof typeof InvocationStatus];

const ALL = Object.values(InvocationStatus) as string[];

/** Parses a status name case-insensitively; throws naming the valid ones. */
export function parseStatus(name: string, where: string): InvocationStatus {
  const upper = String(name).trim().toUpperCase();
  if (!ALL.includes(upper)) {
    throw new TypeError(`${where}: unknown status "${name}"; use one of ${ALL.join(", ")}`);
  }
  return upper as InvocationStatus;
}
