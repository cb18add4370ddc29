import { randomBytes } from "node:crypto";

/** Drawn once per process: ids of different processes never collide. */
const PROCESS = randomBytes(5).toString("hex");
let lastTime = 0;
/** lastTime in base 36, padded: made once per millisecond, not once per id. */
let timePart = "";
let counter = 0;

/**
 * A new id: `${prefix}_` + time (ms, base 36) + a counter + this process's random
 * part. Ids of one process sort by creation.
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now === lastTime) counter++;
  else {
    counter = 0;
    lastTime = now;
    timePart = now.toString(36).padStart(9, "0");
  }
  return `${prefix}_${timePart}${counter.toString(36).padStart(3, "0")}${PROCESS}`;
}
