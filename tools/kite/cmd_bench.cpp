// kite bench [MODEL ...] [--threads N] [--loops N] [--warmup N] [--precision fp32|fp16|int8] [--json]
// Latency of one inference (batch as the model says), min / median / max over --loops runs after
// --warmup runs, and the peak memory of the process that ran it. Each model runs in a child
// process of its own, loaded from a .kite file, so its peak RSS is its own: weights, arena and
// code, as a user's process would hold them. At fp16 that file stores the weights as fp16 (what
// `kite convert --fp16` ships); the child applies --precision after loading it.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"
#include "core/peak_memory.h"
#include "format/kite_file.h"
#include "kite/session.h"
#include "kite/zoo.h"
#include "model_source.h"
#include "precision.h"
#include "usage_error.h"

namespace kite::cli {
namespace {

// The zoo at default knobs: the study's architectures.
const std::vector<std::string> kDefaultModels = {"zoo:mobilenet_v1", "zoo:mobilenet_v2", "zoo:resnet?depth=18",
                                                 "zoo:resnet?depth=50", "zoo:googlenet", "zoo:inception_v3",
                                                 "zoo:squeezenet", "zoo:shufflenet_v2", "zoo:xception"};

struct BenchOptions {
  std::vector<std::string> models;
  std::string measure_file;  // internal: measure this .kite file and print one JSON line
  std::string precision = "fp32";
  int threads = 0;
  int loops = 20;
  int warmup = 3;
  bool json = false;
};

struct BenchResult {
  double min_ms = 0, median_ms = 0, max_ms = 0;
  int64_t peak_bytes = 0;
};

// A deterministic input with the spread of a normalized image.
Tensor bench_input(const TensorInfo& info) {
  Tensor t(info.dtype, info.shape);
  KITE_CHECK(info.dtype == DType::f32, "bench needs float inputs; input '", info.name, "' is ", dtype_name(info.dtype));
  float* p = t.data<float>();
  uint32_t state = 12345;
  for (int64_t i = 0; i < t.numel(); ++i) {
    state = state * 1664525u + 1013904223u;
    p[i] = static_cast<float>(static_cast<int32_t>(state) >> 8) / static_cast<float>(1 << 23) * 1.7f;
  }
  return t;
}

BenchResult measure(const std::string& kite_file, const BenchOptions& o) {
  Model model = apply_precision(Model::load_kite(kite_file), o.precision);
  SessionOptions so;
  so.threads = o.threads;
  apply_precision(o.precision, so);
  Session session(model, so);
  NamedTensors inputs;
  for (const TensorInfo& in : model.inputs()) inputs.emplace_back(in.name, bench_input(in));
  for (int i = 0; i < o.warmup; ++i) session.run(inputs);
  std::vector<double> ms;
  for (int i = 0; i < o.loops; ++i) {
    auto start = std::chrono::steady_clock::now();
    session.run(inputs);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  BenchResult r;
  r.min_ms = ms.front();
  r.max_ms = ms.back();
  r.median_ms = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  r.peak_bytes = peak_resident_bytes();
  return r;
}

// The command that runs this program again. A kite built for another CPU and run by an emulator
// (qemu-user, without the kernel's binfmt_misc to start it by itself) names the emulator in
// KITE_EMULATOR, e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu".
std::string self_command() {
  // Resolved here: inside popen's shell, /proc/self/exe would be the shell.
  std::string self = "'" + std::filesystem::read_symlink("/proc/self/exe").string() + "'";
  const char* emulator = std::getenv("KITE_EMULATOR");
  return emulator && *emulator ? std::string(emulator) + " " + self : self;
}

// Runs measure() in a fresh process (this program, exec'd again with the hidden --measure-file
// option), so its peak RSS holds nothing of this one's: no zoo calibration, no other model.
BenchResult measure_in_child(const std::string& kite_file, const BenchOptions& o) {
  std::string command = self_command() + " bench --measure-file '" + kite_file + "' --threads " +
                        std::to_string(o.threads) + " --loops " + std::to_string(o.loops) + " --warmup " +
                        std::to_string(o.warmup) + " --precision '" + o.precision + "' 2>&1";
  std::cout.flush();
  FILE* pipe = popen(command.c_str(), "r");
  KITE_CHECK(pipe, "bench: cannot start the measuring process");
  std::string text;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  int status = pclose(pipe);
  // The child's usage error (a precision kite cannot run yet) is this command's.
  if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 2) {
    const std::string prefix = "kite: error: ";
    std::string message = text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw UsageError(message);
  }
  // The result is the last line; lines before it are the child's notes (on stderr), passed on.
  size_t last = text.find_last_of('{');
  last = last == std::string::npos ? 0 : text.rfind('\n', last);
  last = last == std::string::npos ? 0 : last + 1;
  std::string result = text.substr(last), notes = text.substr(0, last);
  KITE_CHECK(status == 0 && !result.empty() && result[0] == '{', "bench: the measuring process failed: ", text);
  if (!notes.empty()) std::cerr << notes;
  nlohmann::json j = nlohmann::json::parse(result);
  return {j["min"], j["median"], j["max"], j["peak"]};
}

void print_measurement(const std::string& kite_file, const BenchOptions& o) {
  BenchResult r = measure(kite_file, o);
  std::cout << nlohmann::json{{"min", r.min_ms}, {"median", r.median_ms}, {"max", r.max_ms}, {"peak", r.peak_bytes}}.dump()
            << std::endl;
}

void bench(const BenchOptions& o) {
  if (!o.measure_file.empty()) return print_measurement(o.measure_file, o);
  std::vector<std::string> models = o.models.empty() ? kDefaultModels : o.models;
  note_precision(o.precision);
  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!o.json)
    std::printf("%-40s %8s %9s %9s %9s %9s %10s\n", "model", "params", "MACs", "min ms", "median ms", "max ms",
                "peak MiB");
  auto temp = std::filesystem::temp_directory_path() / ("kite-bench-" + std::to_string(getpid()) + ".kite");
  for (const std::string& spec : models) {
    Model model = load_model_argument(spec, ModelUse::kRun);
    int64_t params = 0, macs = 0;
    for (const LayerStats& s : model.layer_stats()) {
      params += s.params;
      macs += s.macs;
    }
    KiteWriteOptions write_options;
    write_options.fp16_weights = o.precision == "fp16";
    // Quantized here, once, so that the measuring process's peak memory is the int8 model's.
    if (o.precision == "int8") model = apply_precision(model, o.precision);
    // A quantized model file runs in int8 whatever --precision says: the report says so.
    std::string precision = o.precision == "fp32" && holds_int8(model) ? "int8" : o.precision;
    write_kite_file(model.graph(), temp.string(), write_options);
    BenchResult r;
    try {
      r = measure_in_child(temp.string(), o);
    } catch (...) {
      std::filesystem::remove(temp);
      throw;
    }
    std::filesystem::remove(temp);
    if (o.json) {
      std::cout << nlohmann::json{{"model", spec},         {"threads", threads},     {"precision", precision},
                                  {"loops", o.loops},      {"min_ms", r.min_ms},     {"median_ms", r.median_ms},
                                  {"max_ms", r.max_ms},    {"peak_bytes", r.peak_bytes}, {"params", params},
                                  {"macs", macs}}
                       .dump()
                << std::endl;
    } else {
      std::string name = precision == "fp32" ? spec : spec + " (" + precision + ")";
      std::printf("%-40s %7.2fM %8.0fM %9.2f %9.2f %9.2f %10.1f\n", name.c_str(), params / 1e6, macs / 1e6, r.min_ms,
                  r.median_ms, r.max_ms, static_cast<double>(r.peak_bytes) / (1 << 20));
      std::fflush(stdout);
    }
  }
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand("bench", "Measure inference latency and peak memory");
  sub->add_option("models", o->models, "Models (.onnx, .kite, zoo:...); default: the zoo at default knobs");
  sub->add_option("-t,--threads", o->threads, "Threads (default: one per core)")->check(CLI::NonNegativeNumber);
  sub->add_option("--loops", o->loops, "Timed runs (default 20)")->check(CLI::PositiveNumber);
  sub->add_option("--warmup", o->warmup, "Untimed runs first (default 3)")->check(CLI::NonNegativeNumber);
  sub->add_option("--precision", o->precision, "fp32 (default), fp16 (weights stored as fp16, fp16 arithmetic where the CPU has it) or int8")
      ->check(CLI::Validator(check_precision, "fp32|fp16|int8", "precision"));
  sub->add_flag("--json", o->json, "One JSON object per model and line");
  sub->add_option("--measure-file", o->measure_file)->group("");  // internal, see measure_in_child
  return [o] { bench(*o); };
}

}  // namespace kite::cli
