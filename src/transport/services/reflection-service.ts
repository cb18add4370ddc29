import {
  create,
  createFileRegistry,
  type DescFile,
  type DescService,
  type FileRegistry,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ServerReflection as ReflectionV1 } from "@nenc/protocol/gen/grpc/reflection/v1/reflection_pb.js";
import type { ServerReflection as ReflectionV1Alpha } from "@nenc/protocol/gen/grpc/reflection/v1alpha/reflection_pb.js";

type Request = { host: string; messageRequest: { case: string | undefined; value?: unknown } };

/** The descriptors reflection answers from: every file the services need, each serialized once. */
interface Descriptors {
  services: readonly DescService[];
  registry: FileRegistry;
  serialized: Map<string, Uint8Array>;
  /** The serialized file `name` and, depth first, everything it imports ([] if unknown). */
  withDependencies(name: string): Uint8Array[];
}

/**
 * gRPC server reflection (v1 and v1alpha share the shape), answered from the
 * descriptors embedded in the generated code, so that grpcurl and `buf curl` work
 * with no proto files at hand.
 */
export function createReflectionServices(services: readonly DescService[]): {
  v1: ServiceImpl<typeof ReflectionV1>;
  v1alpha: ServiceImpl<typeof ReflectionV1Alpha>;
} {
  const descriptors = indexDescriptors(services);
  return {
    v1: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests)
          yield { ...answer(descriptors, request), originalRequest: request };
      },
    },
    v1alpha: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests)
          yield { ...answer(descriptors, request), originalRequest: request };
      },
    },
  };
}

function indexDescriptors(services: readonly DescService[]): Descriptors {
  const files = collectFiles(services.map((service) => service.file));
  const registry: FileRegistry = createFileRegistry(
    create(FileDescriptorSetSchema, { file: files.map((file) => file.proto) }),
  );
  const serialized = new Map(
    files.map((file) => [file.proto.name, toBinary(FileDescriptorProtoSchema, file.proto)]),
  );
  const withDependencies = (name: string): Uint8Array[] => {
    const file = files.find((candidate) => candidate.proto.name === name);
    return file ? collectFiles([file]).map((f) => serialized.get(f.proto.name) as Uint8Array) : [];
  };
  return { services, registry, serialized, withDependencies };
}

// The v1 and v1alpha messages have the same fields; only their type names differ.
function answer(descriptors: Descriptors, request: Request) {
  const base = { validHost: request.host };
  const value = request.messageRequest.value;
  switch (request.messageRequest.case) {
    case "listServices":
      return {
        ...base,
        messageResponse: {
          case: "listServicesResponse" as const,
          value: { service: descriptors.services.map((service) => ({ name: service.typeName })) },
        },
      };
    case "fileByFilename": {
      const name = String(value);
      return descriptors.serialized.has(name)
        ? filesResponse(base, descriptors, [name])
        : notFound(base, `file ${name}`);
    }
    case "fileContainingSymbol": {
      const file = fileOfSymbol(descriptors.registry, String(value));
      return file ? filesResponse(base, descriptors, [file]) : notFound(base, `symbol ${String(value)}`);
    }
    case "allExtensionNumbersOfType":
      return {
        ...base,
        messageResponse: {
          case: "allExtensionNumbersResponse" as const,
          value: { baseTypeName: String(value), extensionNumber: [] },
        },
      };
    default:
      return notFound(base, "extension");
  }
}

/** The files `names` with everything they import. */
function filesResponse(base: { validHost: string }, descriptors: Descriptors, names: string[]) {
  return {
    ...base,
    messageResponse: {
      case: "fileDescriptorResponse" as const,
      value: { fileDescriptorProto: names.flatMap(descriptors.withDependencies) },
    },
  };
}

/** NOT_FOUND (code 5) for `what`, answered in the stream rather than ending it. */
function notFound(base: { validHost: string }, what: string) {
  return {
    ...base,
    messageResponse: {
      case: "errorResponse" as const,
      value: { errorCode: 5, errorMessage: `${what} not found` },
    },
  };
}

/** The files and, depth first, everything they import; each once. */
function collectFiles(roots: readonly DescFile[]): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (seen.has(file.proto.name)) return;
    for (const dependency of file.dependencies) visit(dependency);
    seen.set(file.proto.name, file);
  };
  for (const root of roots) visit(root);
  return [...seen.values()];
}

function fileOfSymbol(registry: FileRegistry, symbol: string): string | undefined {
  const direct = registry.get(symbol);
  if (direct) return direct.file.proto.name;
  // A method or enum value: its parent is the service or enum.
  const parent = registry.get(symbol.slice(0, symbol.lastIndexOf(".")));
  return parent?.file.proto.name;
}
