#!/usr/bin/env bash
# Regenerates Sources/ExposureNotification/ExportFile/Generated/export.pb.swift from Protos/export.proto.
# The output is committed (a SwiftPM protobuf plugin costs ~10 minutes per cold build), so only run this
# after changing the .proto. Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift 1.39.0
# (build it from the swift-protobuf package: swift build -c release --product protoc-gen-swift).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
[ -x "$plugin" ] || { echo "protoc-gen-swift not found: set PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift" >&2; exit 1; }
out="$top/Sources/ExposureNotification/ExportFile/Generated"
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal --swift_opt=FileNaming=DropPath \
  --swift_out="$out" -I "$top/Protos" "$top/Protos/export.proto"
echo "wrote $out/export.pb.swift"
