// Every input the fuzzers ever found a problem with stays here as a test: each file under
// tests/data/fuzz_regressions/<loader>/ must load or fail with kite::Error, nothing else.
#include <gtest/gtest.h>

#include <filesystem>

#include "format/kite_file.h"
#include "io/npy.h"
#include "kite/onnx.h"
#include "op_test_util.h"

namespace fs = std::filesystem;

namespace kite {
namespace {

using test::slurp;

std::vector<std::string> files_in(const std::string& loader) {
  std::vector<std::string> out;
  fs::path dir = fs::path(KITE_TEST_DATA_DIR) / "fuzz_regressions" / loader;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path().string());
  return out;
}

template <typename Load>
void expect_load_or_error(const std::string& loader, Load load) {
  for (const std::string& path : files_in(loader)) {
    std::string bytes = slurp(path);
    try {
      load(bytes);
    } catch (const Error&) {
    }
    SUCCEED() << path;
  }
}

TEST(LoaderRegressions, Onnx) {
  expect_load_or_error("onnx", [](const std::string& b) { import_onnx_bytes(b.data(), b.size(), "regression.onnx"); });
}

TEST(LoaderRegressions, Kite) {
  expect_load_or_error("kite", [](const std::string& b) { Model::from_graph(read_kite_bytes(b.data(), b.size())); });
}

TEST(LoaderRegressions, Npy) {
  expect_load_or_error("npy", [](const std::string& b) { parse_npy(b.data(), b.size(), "regression.npy"); });
}

}  // namespace
}  // namespace kite
