import { Health } from "@nenc/protocol/gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1 } from "@nenc/protocol/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1Alpha } from "@nenc/protocol/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import { EventService } from "@nenc/protocol/gen/nenc/v1/event_service_pb.js";
import { InvocationService } from "@nenc/protocol/gen/nenc/v1/invocation_service_pb.js";
import { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { WorkerService } from "@nenc/protocol/gen/nenc/v1/worker_service_pb.js";
import { describe, expect, it } from "vitest";
import { allows, describeNeed } from "../../src/auth/scopes.js";
import { accessRules, ruleOf } from "../../src/transport/access-policy.js";

const SERVED = [
  AppService,
  EventService,
  InvocationService,
  TriggerService,
  WorkerService,
  Health,
  ReflectionV1,
  ReflectionV1Alpha,
];

describe("the access policy", () => {
  it("names a rule for every method served, and no method that is not", () => {
    const served = SERVED.flatMap((service) =>
      service.methods.map((method) => `${service.typeName}/${method.name}`),
    );
    const listed = Object.entries(accessRules()).flatMap(([service, methods]) =>
      Object.keys(methods).map((method) => `${service}/${method}`),
    );
    expect(listed.sort()).toEqual(served.sort());
  });

  it("closes a method it does not know (admin only)", () => {
    expect(ruleOf("nenc.v1.AppService", "DeleteEverything")).toEqual({ kind: "admin" });
    expect(ruleOf("grpc.health.v1.Health", "Check")).toBe("open");
  });

  it("grants each scope what SPEC §6 says, and nothing more", () => {
    const as = (...scopes: string[]) => ({ name: "t", scopes });
    const shop = { app: "shop" };
    expect(allows(as("admin"), { kind: "worker", ...shop })).toBe(true);
    expect(allows(as("read"), { kind: "readOf", ...shop })).toBe(true);
    expect(allows(as("read"), { kind: "client", ...shop })).toBe(false);
    expect(allows(as("client:shop"), { kind: "readOf", ...shop })).toBe(true);
    expect(allows(as("client:shop"), { kind: "read" })).toBe(false);
    expect(allows(as("client:shop"), { kind: "worker", ...shop })).toBe(false);
    expect(allows(as("client:billing"), { kind: "anyClient" })).toBe(true);
    expect(allows(as("worker:shop"), { kind: "anyClient" })).toBe(false);
    expect(allows(as("worker:shop"), { kind: "worker", ...shop })).toBe(true);
    expect(allows(as("worker:shop"), { kind: "worker", app: "billing" })).toBe(false);
    expect(allows(as(), { kind: "read" })).toBe(false);
    expect(describeNeed({ kind: "client", ...shop })).toBe("admin or client:shop");
  });
});
