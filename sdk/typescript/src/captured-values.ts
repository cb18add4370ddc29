import { createRequire } from "node:module";

/**
 * What a function captured from the functions around it (not from its module), read
 * through V8's inspector in this thread: two closures made by one factory over
 * different values are two functions, and the values are part of their identity.
 *
 * Captured values must be JSON data or functions (identified by their own source and
 * captures); anything else (a client, a Map, a class instance) cannot be compared
 * across processes and is refused with an error naming the variable.
 */

/** What a function captured: variable name → a canonical description of its value. */
type Captures = Record<string, string>;

interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}

interface InspectorSession {
  connect(): void;
  post(method: string, params: object, callback: (error: Error | null, result: unknown) => void): void;
}

const GROUP = "nenc-function-identity";
const PROBE = "__nencFunctionIdentityProbe";

// Strict JSON: throws for what JSON.stringify would silently drop or flatten, saying
// what it is ("a Map", or "an object holding a function" when it is inside).
const STRICT_JSON = `function () {
  return JSON.stringify(this, function (key, value) {
    const kind = typeof value;
    let what;
    if (kind === "function" || kind === "symbol" || kind === "bigint") what = "a " + kind;
    else if (value !== null && kind === "object" && !Array.isArray(value)) {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        what = "a " + ((value.constructor && value.constructor.name) || "non-plain object");
    }
    if (what) throw new Error(key === "" && this[""] === value ? what : "an object holding " + what);
    return value;
  });
}`;

let session: InspectorSession | null | undefined;

/** A same-thread inspector session (its calls answer synchronously); null where Node has none. */
function inspector(): InspectorSession | null {
  if (session !== undefined) return session;
  try {
    const { Session } = createRequire(import.meta.url)("node:inspector") as {
      Session: new () => InspectorSession;
    };
    const created = new Session();
    created.connect();
    session = created;
  } catch {
    session = null;
  }
  return session;
}

/** True when captured values can be read here (so equal identities mean equivalent functions). */
export function inspectsCaptures(): boolean {
  return inspector() !== null;
}

function post<T>(method: string, params: object): T {
  let outcome: { error: Error | null; result: unknown } | undefined;
  (session as InspectorSession).post(method, params, (error, result) => {
    outcome = { error, result };
  });
  if (!outcome) throw new Error(`the inspector did not answer ${method} synchronously`);
  if (outcome.error) throw outcome.error;
  return outcome.result as T;
}

/**
 * The captures of `fn` in a stable text form (to hash into its identity), or
 * undefined when this runtime has no inspector (identity then rests on name and
 * source alone). Throws a TypeError naming a captured variable whose value cannot be
 * identified.
 */
export function capturedValues(fn: (...args: never[]) => unknown, where: string): string | undefined {
  if (!inspector()) return undefined;
  const global = globalThis as Record<string, unknown>;
  global[PROBE] = fn;
  try {
    const { result } = post<{ result: RemoteObject }>("Runtime.evaluate", {
      expression: `globalThis.${PROBE}`,
      objectGroup: GROUP,
    });
    const source = fn.toString();
    return canonical(capturesOf(result.objectId as string, source, where, fn.name, [source]));
  } finally {
    delete global[PROBE];
    post("Runtime.releaseObjectGroup", { objectGroup: GROUP });
  }
}

/** `path`: the sources of the functions being described, outermost first (a function may capture itself). */
function capturesOf(
  objectId: string,
  source: string,
  where: string,
  fnName: string,
  path: readonly string[],
): Captures {
  const { internalProperties = [] } = post<{ internalProperties?: PropertyDescriptor[] }>(
    "Runtime.getProperties",
    { objectId, ownProperties: false, objectGroup: GROUP },
  );
  const scopesId = internalProperties.find((property) => property.name === "[[Scopes]]")?.value?.objectId;
  if (!scopesId) return {};
  const scopes = post<{ result: PropertyDescriptor[] }>("Runtime.getProperties", {
    objectId: scopesId,
    ownProperties: true,
    objectGroup: GROUP,
  }).result.flatMap((property) => (property.value?.objectId ? [property.value] : []));
  const captures: Captures = {};
  for (const scope of scopes.slice(0, moduleScopeIndex(scopes))) {
    const variables = post<{ result: PropertyDescriptor[] }>("Runtime.getProperties", {
      objectId: scope.objectId,
      ownProperties: true,
      objectGroup: GROUP,
    }).result;
    for (const variable of variables) {
      // A scope is shared by every closure made in it: only the names this source uses count.
      if (!variable.value || variable.name in captures || !mentions(source, variable.name)) continue;
      captures[variable.name] = describe(variable.value, variable.name, where, fnName, path);
    }
  }
  return captures;
}

/**
 * Where the module's own scope is in a scope chain (innermost first): module-level
 * bindings are not captures. That is an ES module's "Module" scope, or else the
 * outermost anonymous scope before the script and global ones: the wrapper of a
 * CommonJS module or of a module runner (vitest's is a block).
 */
function moduleScopeIndex(scopes: readonly RemoteObject[]): number {
  const module = scopes.findIndex((scope) => scope.description === "Module");
  if (module >= 0) return module;
  let outermost = scopes.findIndex(
    (scope) => scope.description === "Script" || scope.description === "Global",
  );
  if (outermost < 0) outermost = scopes.length;
  const wrapper = scopes[outermost - 1]?.description;
  return wrapper === "Closure" || wrapper === "Block" ? outermost - 1 : outermost;
}

function mentions(source: string, name: string): boolean {
  const escaped = name.replace(/[$]/g, "\\$");
  return new RegExp(`(^|[^.\\w$])${escaped}(?![\\w$])`).test(source);
}

function describe(
  value: RemoteObject,
  name: string,
  where: string,
  fnName: string,
  path: readonly string[],
): string {
  if (value.type === "function") {
    const source = String(
      post<{ result: RemoteObject }>("Runtime.callFunctionOn", {
        objectId: value.objectId,
        functionDeclaration: "function () { return Function.prototype.toString.call(this); }",
        returnByValue: true,
        objectGroup: GROUP,
      }).result.value,
    );
    const cycle = path.indexOf(source);
    if (cycle >= 0) return `function at ${cycle}`;
    const inner = capturesOf(value.objectId as string, source, where, fnName, [...path, source]);
    return `function ${JSON.stringify(source)} ${canonical(inner)}`;
  }
  if (value.type === "symbol") refuse(where, fnName, name, "a symbol");
  if (value.unserializableValue !== undefined) return `${value.type} ${value.unserializableValue}`;
  if (value.type !== "object" || value.subtype === "null")
    return `${value.type} ${JSON.stringify(value.value)}`;
  const answer = post<{ result: RemoteObject; exceptionDetails?: { exception?: RemoteObject } }>(
    "Runtime.callFunctionOn",
    { objectId: value.objectId, functionDeclaration: STRICT_JSON, returnByValue: true, objectGroup: GROUP },
  );
  if (answer.exceptionDetails) {
    const reason = answer.exceptionDetails.exception?.description?.split("\n")[0]?.replace(/^Error: /, "");
    refuse(where, fnName, name, reason ?? "a value that is not JSON");
  }
  return `json ${String(answer.result.value)}`;
}

function canonical(captures: Captures): string {
  return JSON.stringify(
    Object.keys(captures)
      .sort()
      .map((key) => [key, captures[key]]),
  );
}

function refuse(where: string, fnName: string, variable: string, what: string): never {
  throw new TypeError(
    `${where}: function "${fnName}" captures \`${variable}\` (${what}) from the function that created it; ` +
      "such a value cannot be compared across the app's processes, so nothing identifies the function. " +
      "Capture only JSON values or functions, or declare the function at module level and pass values " +
      "through withArgsStatic or a CEL filter",
  );
}
