import type { Store } from "../../src/store/store.js";

/**
 * The store, with some methods of one role replaced (failure injection, counting,
 * holding a call back). `override` gets the real role; what it returns replaces
 * those methods, the rest of the store is the real one.
 */
export function overrideRole<R extends keyof Store>(
  store: Store,
  role: R,
  override: (real: Store[R]) => Partial<Store[R]>,
): Store {
  const real = store[role];
  const replaced = override(real) as Record<PropertyKey, unknown>;
  const roleProxy = new Proxy(real as object, {
    get(target, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property];
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(store, {
    get(target, property, receiver) {
      return property === role ? roleProxy : Reflect.get(target, property, receiver);
    },
  });
}

/** The store with some of its own methods (subscribe, stats, …) replaced. */
export function overrideStore(store: Store, replaced: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (Object.hasOwn(replaced, property)) return (replaced as Record<PropertyKey, unknown>)[property];
      return Reflect.get(target, property, receiver);
    },
  });
}

const ROLES: ReadonlySet<PropertyKey> = new Set([
  "registry",
  "work",
  "log",
  "deferred",
  "triggerState",
  "replicas",
  "history",
]);

/**
 * The store with every method call, of every role and of the store itself, passed
 * through `intercept` (by method name; names are unique across roles): it calls
 * `call()` to run the real method, or answers instead.
 */
export function interceptCalls(
  store: Store,
  intercept: (method: string, args: unknown[], call: () => unknown) => unknown,
): Store {
  const wrap = (target: object) =>
    new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (ROLES.has(property) && object === store) return wrap(value as object);
        if (typeof value !== "function" || typeof property !== "string") return value;
        return (...args: unknown[]) => intercept(property, args, () => value.apply(object, args));
      },
    });
  return wrap(store) as Store;
}
