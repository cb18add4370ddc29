import { createHash } from "node:crypto";
import { capturedValues, inspectsCaptures } from "./captured-values.js";

/** Any user function: filters and providers of every signature. */
// biome-ignore lint/suspicious/noExplicitAny: user functions of any signature are identified alike.
export type AnyFunction = (...args: any[]) => unknown;

/**
 * The identity of a filter or provider function: its name and a hash of its source
 * and of the values it captured from the functions around it. Every process of an
 * app declares the same functions from the same code, so the identity is stable
 * across them, and two closures over different values are two functions; the
 * orchestrator routes an evaluation to any worker of the app that announced it.
 */
export function functionIdentity(fn: AnyFunction, where: string): string {
  const name = fn.name;
  if (!name || name === "anonymous") {
    throw new TypeError(
      `${where}: an anonymous inline function cannot be identified across the app's processes; ` +
        "declare it as a named function at module level (function isLargeOrder(args) { ... }) and pass that",
    );
  }
  if (name.startsWith("bound ")) {
    throw new TypeError(
      `${where}: bound function "${name}" has no source to identify it by; pass a named function instead`,
    );
  }
  const source = fn.toString();
  if (source.includes("[native code]")) {
    throw new TypeError(
      `${where}: built-in function "${name}" cannot run as a filter or provider; wrap it in a named function`,
    );
  }
  const captures = capturedValues(fn, where) ?? "";
  return `${name}#${createHash("sha256").update(source).update("\0").update(captures).digest("hex").slice(0, 12)}`;
}

/**
 * The functions one app declared, by identity. Two function objects with one
 * identity have the same name, source and captured values: they are the same
 * function, and the first one serves both. Where captured values cannot be read (no
 * inspector), such a pair is refused instead: nothing could tell them apart.
 */
export class FunctionRegistry {
  private readonly byId = new Map<string, AnyFunction>();
  private readonly listeners = new Set<(ids: string[]) => void>();

  register(fn: AnyFunction, where: string): string {
    const id = functionIdentity(fn, where);
    const known = this.byId.get(id);
    if (known && known !== fn && !inspectsCaptures()) {
      throw new TypeError(
        `${where}: function "${fn.name}" has the same name and source as another function of this app but is a different ` +
          "object (a closure over different values?). Their captured values cannot be told apart across processes; " +
          "give each its own named function, or pass the value through a static filter or CEL",
      );
    }
    if (!known) {
      this.byId.set(id, fn);
      for (const listener of this.listeners) listener([id]);
    }
    return id;
  }

  get(id: string): AnyFunction | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Called with new identities as they are registered (workers announce them). */
  onRegister(listener: (ids: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
