import {
  Code,
  ConnectError,
  createContextKey,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { allows, describeNeed, type Need, type Principal } from "../auth/scopes.js";
import type { Authentication } from "../auth/token-registry.js";
import { quote } from "../domain/errors.js";
import type { Orchestrator } from "../engine/orchestrator.js";
import { type AccessRule, ruleOf } from "./access-policy.js";
import type { Audit } from "./audit.js";
import type { TokenLimits } from "./token-limits.js";

/** What checks the bearer token of a request (TokenRegistry). */
export interface Authenticator {
  authenticate(header: string | null | undefined): Authentication;
}

/**
 * The authenticated caller of a request; undefined when the server runs without
 * tokens (then every call is allowed, and `nenc serve` listens on loopback only).
 */
export const CALLER = createContextKey<Principal | undefined>(undefined, {
  description: "the principal a request's token names",
});

/** "nenc.v1.TriggerService/DeleteTrigger": how audit lines and errors name a call. */
function callName(context: Pick<HandlerContext, "service" | "method">): string {
  return `${context.service.typeName}/${context.method.name}`;
}

/**
 * Authenticates every call but the open ones (health) and applies the call's
 * static rule (access-policy.ts); calls whose rule depends on stored state (the app
 * of a task, a trigger, an invocation) are checked by their handler through Access.
 */
export function authenticating(authenticator: Authenticator, audit: Audit, limits: TokenLimits): Interceptor {
  // Tokens seen since start: the first call with each is audited (which tokens are still in use).
  const seen = new Set<string>();
  return (next) => async (request) => {
    const rule = ruleOf(request.service.typeName, request.method.name);
    if (rule === "open") return next(request);
    const call = callName(request);
    const outcome = authenticator.authenticate(request.header.get("authorization"));
    if ("refused" in outcome) {
      const { reason, name } = outcome.refused;
      audit.denied(call, "UNAUTHENTICATED", reason, name);
      throw new ConnectError(
        `${call} needs a token: ${reason}${name ? ` (${quote(name)})` : ""}; send "authorization: Bearer <token>" (NENC_TOKEN in the SDKs and the CLI)`,
        Code.Unauthenticated,
      );
    }
    const principal = outcome.principal;
    if (!seen.has(principal.name)) {
      seen.add(principal.name);
      audit.changed("token.first_use", principal, { call });
    }
    request.contextValues.set(CALLER, principal);
    const need = staticNeed(rule, request.method.methodKind === "unary" ? request.message : undefined);
    if (need) refuseUnless(principal, need, call, audit);
    limits.spend(principal.name);
    if (!request.stream) return next(request);
    const release = limits.openStream(principal.name);
    request.signal.addEventListener("abort", release, { once: true });
    try {
      const response = await next(request);
      if (!response.stream) {
        release();
        return response;
      }
      return { ...response, message: releasingAtEnd(response.message, release) };
    } catch (error) {
      release();
      throw error;
    }
  };
}

/** The stream's messages, then `release` (also when the stream fails or the client leaves). */
async function* releasingAtEnd<T>(messages: AsyncIterable<T>, release: () => void): AsyncGenerator<T> {
  try {
    yield* messages;
  } finally {
    release();
  }
}

/** The need a rule states before the handler runs, if any. */
function staticNeed(rule: AccessRule, message: unknown): Need | undefined {
  if (rule === "open" || rule === "authenticated" || rule === "inHandler") return undefined;
  return typeof rule === "function" ? rule(message as never) : rule;
}

function refuseUnless(principal: Principal, need: Need, call: string, audit: Audit): void {
  if (allows(principal, need)) return;
  const why = `needs scope ${describeNeed(need)}; token ${quote(principal.name)} has ${principal.scopes.join(", ") || "no scopes"}`;
  throw denied(audit, call, why, principal);
}

/** Audits a refusal and answers the error to throw (a ConnectError: interceptors run outside the services' guard). */
function denied(audit: Audit, call: string, why: string, principal: Principal): ConnectError {
  audit.denied(call, "PERMISSION_DENIED", why, principal.name);
  return new ConnectError(`${call} ${why}`, Code.PermissionDenied);
}

/**
 * The checks a handler makes once it knows what a call touches: the app of a task,
 * a trigger or an invocation. Without tokens every check passes.
 */
export class Access {
  constructor(
    private readonly orchestrator: Orchestrator,
    readonly audit: Audit,
    private readonly limits?: TokenLimits,
  ) {}

  /** Spends one request of the caller's rate (for each request a stream carries, as a Session's). */
  spend(context: Pick<HandlerContext, "values">): void {
    const principal = this.caller(context);
    if (principal) this.limits?.spend(principal.name);
  }

  /** The caller of the request in `context` (undefined without tokens). */
  caller(context: Pick<HandlerContext, "values">): Principal | undefined {
    return context.values.get(CALLER);
  }

  /** Throws PERMISSION_DENIED naming the scope needed unless the caller has it. */
  require(context: HandlerContext, need: Need): void {
    const principal = this.caller(context);
    if (principal) refuseUnless(principal, need, callName(context), this.audit);
  }

  /**
   * Requires client (or readOf) of the app of `taskId`. A task that is not registered
   * is refused too, unless the caller is admin (it then learns NOT_FOUND): whether a
   * task exists in another app is not the caller's to know.
   */
  async requireForTask(context: HandlerContext, kind: "client" | "readOf", taskId: string): Promise<void> {
    const principal = this.caller(context);
    if (!principal || allows(principal, { kind: "admin" })) return;
    if (kind === "readOf" && allows(principal, { kind: "read" })) return;
    const task = await this.orchestrator.tasks.get(taskId);
    if (task) return this.require(context, { kind, app: task.appId });
    const why = `needs scope admin or client:<the app of task ${quote(taskId)}>, and no app token ${quote(principal.name)} may use has that task`;
    throw denied(this.audit, callName(context), why, principal);
  }

  /** Requires client (or readOf) of the app whose task trigger `triggerId` targets. */
  async requireForTrigger(
    context: HandlerContext,
    kind: "client" | "readOf",
    triggerId: string,
  ): Promise<void> {
    const principal = this.caller(context);
    if (!principal || allows(principal, { kind: "admin" })) return;
    if (kind === "readOf" && allows(principal, { kind: "read" })) return;
    const trigger = await this.orchestrator.triggers.get(triggerId);
    await this.requireForTask(context, kind, trigger.targetTaskId);
  }

  /** Requires read, or client of the app of invocation `invocationId`'s task. */
  async requireForInvocation(context: HandlerContext, invocationId: string): Promise<void> {
    const principal = this.caller(context);
    if (!principal || allows(principal, { kind: "read" })) return;
    const invocation = await this.orchestrator.invocations.get(invocationId);
    await this.requireForTask(context, "readOf", invocation.taskId);
  }
}
