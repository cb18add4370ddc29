"""buf local plugin: CodeGeneratorRequest on stdin -> grpcio-tools -> CodeGeneratorResponse on stdout.

grpcio-tools ships protoc as a library, not as plugins, so this plugin writes the
request's descriptors to a FileDescriptorSet and lets grpc_tools.protoc generate
_pb2.py, _pb2.pyi and _pb2_grpc.py from it.
"""

import os
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    with tempfile.TemporaryDirectory() as work:
        descriptors = os.path.join(work, "descriptors.pb")
        with open(descriptors, "wb") as handle:
            handle.write(descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString())
        out = os.path.join(work, "out")
        os.mkdir(out)
        status = protoc.main(
            [
                "protoc",
                f"--descriptor_set_in={descriptors}",
                f"--python_out={out}",
                f"--pyi_out={out}",
                f"--grpc_python_out={out}",
                *request.file_to_generate,
            ]
        )
        if status != 0:
            response.error = f"grpc_tools.protoc failed with status {status}"
        else:
            for root, _, files in os.walk(out):
                for name in sorted(files):
                    path = os.path.join(root, name)
                    generated = response.file.add()
                    generated.name = os.path.relpath(path, out)
                    with open(path, encoding="utf-8") as handle:
                        generated.content = handle.read()
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
