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

/**
 * gRPC server reflection (v1 and v1alpha share the shape), answered from the
 * descriptors embedded in the generated code, so that grpcurl and `buf curl` work
 * with no proto files at hand.
 */
export function createReflectionServices(services: readonly DescService[]): {
  v1: ServiceImpl<typeof ReflectionV1>;
  v1alpha: ServiceImpl<typeof ReflectionV1Alpha>;
} {
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

  // The v1 and v1alpha messages have the same fields; only their type names differ.
  const answer = (request: Request) => {
    const base = { validHost: request.host };
    const value = request.messageRequest.value;
    const notFound = (what: string) => ({
      ...base,
      messageResponse: {
        case: "errorResponse" as const,
        value: { errorCode: 5, errorMessage: `${what} not found` },
      },
    });
    const filesResponse = (names: string[]) => ({
      ...base,
      messageResponse: {
        case: "fileDescriptorResponse" as const,
        value: { fileDescriptorProto: names.flatMap(withDependencies) },
      },
    });
    switch (request.messageRequest.case) {
      case "listServices":
        return {
          ...base,
          messageResponse: {
            case: "listServicesResponse" as const,
            value: { service: services.map((service) => ({ name: service.typeName })) },
          },
        };
      case "fileByFilename": {
        const name = String(value);
        return serialized.has(name) ? filesResponse([name]) : notFound(`file ${name}`);
      }
      case "fileContainingSymbol": {
        const file = fileOfSymbol(registry, String(value));
        return file ? filesResponse([file]) : notFound(`symbol ${String(value)}`);
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
        return notFound("extension");
    }
  };

  return {
    v1: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) yield { ...answer(request), originalRequest: request };
      },
    },
    v1alpha: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) yield { ...answer(request), originalRequest: request };
      },
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
