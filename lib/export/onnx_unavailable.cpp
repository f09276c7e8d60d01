// export_onnx in a build without protobuf (lib/CMakeLists.txt compiles this file instead
// of onnx_export.cpp): the call exists and says why it cannot work.
#include "common/error.hpp"
#include "export/onnx_export.hpp"

namespace kcell::exporter {

bool onnx_export_supported() { return false; }

void export_onnx(const std::vector<model::Model*>&, const std::string&, const std::string&) {
  fail(Status::unsupported,
       "ONNX export is not supported in this build (kcell was built without protobuf; "
       "install libprotobuf-dev, protobuf-compiler and python3-onnx and rebuild)");
}

}  // namespace kcell::exporter
