// kite run MODEL --input FILE [--input NAME=FILE ...] [--output-dir DIR] [--top K [--labels FILE]]
//          [--precision fp32|fp16|int8]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>

#include "commands.h"
#include "core/peak_memory.h"
#include "core/staged_files.h"
#include "io/image.h"
#include "io/npy.h"
#include "kite/session.h"
#include "model_source.h"
#include "precision.h"
#include "profile_report.h"

namespace kite::cli {
namespace {

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::string output_dir;
  int top = 0;
  std::string labels;
  std::string precision = "fp32";
  std::vector<float> mean = {0.485f, 0.456f, 0.406f};
  std::vector<float> std = {0.229f, 0.224f, 0.225f};
  bool force = false;
  bool stats = false;
  bool profile = false;
  int threads = 0;
};

const TensorInfo* find_input(const std::vector<TensorInfo>& inputs, const std::string& name) {
  for (const TensorInfo& in : inputs)
    if (in.name == name) return &in;
  return nullptr;
}

Tensor load_input_file(const std::string& path, const TensorInfo& info, const RunOptions& o) {
  KITE_CHECK(std::filesystem::exists(path), "input file '", path, "' does not exist");
  if (!is_image_path(path)) return read_npy(path);
  KITE_CHECK(info.shape.size() == 4 && info.shape[0] == 1, "input '", info.name, "' has shape ",
             shape_to_string(info.shape), "; an image needs a [1, C, H, W] input");
  ImagePreprocess p;
  p.channels = info.shape[1];
  p.height = info.shape[2];
  p.width = info.shape[3];
  KITE_CHECK(o.mean.size() == 3 && o.std.size() == 3, "--mean and --std take 3 values each");
  for (size_t c = 0; c < 3; ++c) {
    KITE_CHECK(o.std[c] != 0.f, "--std values must not be 0");
    p.mean[c] = o.mean[c];
    p.std[c] = o.std[c];
  }
  return load_image(path, p);
}

std::string input_names(const std::vector<TensorInfo>& inputs) {
  std::string names;
  for (const TensorInfo& in : inputs) names += (names.empty() ? "" : ", ") + in.name;
  return names;
}

// "--input FILE" for a one-input model, or "--input NAME=FILE".
NamedTensors load_inputs(const Model& model, const RunOptions& o) {
  std::vector<TensorInfo> infos = model.inputs();
  NamedTensors out;
  for (const std::string& arg : o.inputs) {
    size_t eq = arg.find('=');
    const TensorInfo* info = eq == std::string::npos ? nullptr : find_input(infos, arg.substr(0, eq));
    std::string path = info ? arg.substr(eq + 1) : arg;
    if (!info) {
      // NAME=FILE naming no input (unless the whole argument is a file whose name holds a '=').
      KITE_CHECK(eq == std::string::npos || std::filesystem::exists(arg), "the model has no input named '",
                 arg.substr(0, eq), "' (its inputs: ", input_names(infos), ")");
      KITE_CHECK(infos.size() == 1, "the model has ", infos.size(), " inputs; name each one: --input NAME=FILE");
      info = &infos[0];
    }
    out.emplace_back(info->name, load_input_file(path, *info, o));
  }
  return out;
}

// Output names become file names: keep them readable and inside the output folder.
std::string file_stem_for(const std::string& output_name) {
  std::string s = output_name.empty() ? "output" : output_name;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  if (s == "." || s == "..") s = "output";
  return s;
}

std::vector<std::string> read_labels(const std::string& path) {
  std::ifstream in(path);
  KITE_CHECK(in, "cannot open labels file '", path, "'");
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) labels.push_back(line);
  return labels;
}

void print_top(const Tensor& scores, int k, const std::vector<std::string>& labels) {
  KITE_CHECK(scores.dtype() == DType::f32, "--top needs a float output");
  const float* p = scores.data<float>();
  std::vector<int64_t> order(static_cast<size_t>(scores.numel()));
  std::iota(order.begin(), order.end(), 0);
  size_t n = std::min(order.size(), static_cast<size_t>(k));
  // Highest first, ties by index, NaN last: NaN compares false with everything, which would
  // break the strict weak ordering partial_sort needs.
  auto ranks_before = [&](int64_t a, int64_t b) {
    bool a_nan = std::isnan(p[a]), b_nan = std::isnan(p[b]);
    if (a_nan || b_nan) return !a_nan || (b_nan && a < b);
    return p[a] > p[b] || (p[a] == p[b] && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), ranks_before);
  for (size_t i = 0; i < n; ++i) {
    int64_t idx = order[i];
    std::printf("%2zu  %6lld  %12.6g", i + 1, static_cast<long long>(idx), static_cast<double>(p[idx]));
    if (static_cast<size_t>(idx) < labels.size()) std::printf("  %s", labels[static_cast<size_t>(idx)].c_str());
    std::printf("\n");
  }
}

void print_summary(const NamedTensors& outputs) {
  for (const auto& [name, t] : outputs) {
    std::printf("%s  %s %s", name.c_str(), dtype_name(t.dtype()), shape_to_string(t.shape()).c_str());
    if (t.dtype() == DType::f32 && t.numel() > 0) {
      const float* p = t.data<float>();
      auto [lo, hi] = std::minmax_element(p, p + t.numel());
      std::printf("  min %.6g  max %.6g", static_cast<double>(*lo), static_cast<double>(*hi));
    }
    std::printf("\n");
  }
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

// --stats: where the time goes for a user of this model, and the memory it took.
void print_stats(Session& session, const NamedTensors& inputs, double load_ms, double prepare_ms, double first_ms) {
  const int kSteadyRuns = 10;
  std::vector<double> ms;
  for (int i = 0; i < kSteadyRuns; ++i) {
    auto start = Clock::now();
    session.run(inputs);
    ms.push_back(ms_since(start));
  }
  std::sort(ms.begin(), ms.end());
  std::fprintf(stderr,
               "load %.2f ms, session %.2f ms, first run %.2f ms, steady state %.2f ms (median of %d), "
               "peak memory %.1f MiB, arena %.1f MiB\n",
               load_ms, prepare_ms, first_ms, (ms[kSteadyRuns / 2 - 1] + ms[kSteadyRuns / 2]) / 2, kSteadyRuns,
               static_cast<double>(peak_resident_bytes()) / (1 << 20),
               static_cast<double>(session.arena_bytes()) / (1 << 20));
}

void run(const RunOptions& o) {
  namespace fs = std::filesystem;
  auto load_start = Clock::now();
  Model model = apply_precision(load_model_argument(o.model), o.precision);
  double load_ms = ms_since(load_start);
  std::vector<std::string> labels = o.labels.empty() ? std::vector<std::string>{} : read_labels(o.labels);
  NamedTensors inputs = load_inputs(model, o);
  std::vector<std::string> files;
  if (!o.output_dir.empty()) {
    KITE_CHECK(!fs::exists(o.output_dir) || fs::is_directory(o.output_dir), "'", o.output_dir, "' is not a folder");
    std::vector<TensorInfo> outs = model.outputs();
    for (size_t i = 0; i < outs.size(); ++i) {
      std::string stem = file_stem_for(outs[i].name);
      // "a/b" and "a_b" both become a_b.npy: the later one gets its output index appended.
      std::string file = (fs::path(o.output_dir) / (stem + ".npy")).string();
      for (size_t k = i; std::count(files.begin(), files.end(), file); ++k)
        file = (fs::path(o.output_dir) / (stem + "_" + std::to_string(k) + ".npy")).string();
      files.push_back(file);
      check_output_path(files.back(), "", o.force);
    }
  }
  SessionOptions options;
  options.threads = o.threads;
  options.profile = o.profile;
  apply_precision(o.precision, options);
  note_precision(o.precision);
  auto session_start = Clock::now();
  Session session(model, options);
  double prepare_ms = ms_since(session_start);
  auto first_start = Clock::now();
  NamedTensors outputs = session.run(inputs);
  double first_ms = ms_since(first_start);
  std::vector<Session::NodeTime> after_first_run;  // --profile leaves the first run out
  if (o.profile) after_first_run = session.profile();
  if (o.stats || o.profile) print_stats(session, inputs, load_ms, prepare_ms, first_ms);
  if (o.profile) print_profile(session, stderr, after_first_run);
  if (!o.output_dir.empty()) {
    fs::create_directories(o.output_dir);
    StagedFiles staged;  // all outputs appear together, or none
    for (size_t i = 0; i < outputs.size(); ++i)
      staged.stage(files[i], [&](std::ostream& out) { write_npy(out, outputs[i].second); });
    staged.commit();
  }
  if (o.top > 0) print_top(outputs[0].second, o.top, labels);
  else print_summary(outputs);
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Run a model on .npy or image inputs");
  sub->add_option("model", o->model, "Model (.onnx, .kite or zoo:NAME?knob=value)")->required();
  sub->add_option("-i,--input", o->inputs, "Input: FILE.npy, IMAGE.jpg|.png, or NAME=FILE (repeat per input)")->required();
  sub->add_option("-o,--output-dir", o->output_dir,
                  "Write each output as DIR/<output name>.npy (characters other than letters, digits, '-', '_' "
                  "and '.' become '_'; a name taken by an earlier output gets _<output index>)");
  CLI::Option* top = sub->add_option("--top", o->top, "Print the K largest scores of the first output")->check(CLI::PositiveNumber);
  sub->add_option("--labels", o->labels, "Class names, one per line, for --top")->needs(top);
  sub->add_option("--mean", o->mean, "Per-channel mean for image inputs (after scaling to [0,1])")->expected(3);
  sub->add_option("--std", o->std, "Per-channel standard deviation for image inputs")->expected(3);
  sub->add_flag("-f,--force", o->force, "Overwrite existing output files");
  sub->add_option("--precision", o->precision, "fp32 (default), fp16 (weights rounded to fp16, fp16 arithmetic where the CPU has it) or int8")
      ->check(CLI::Validator(check_precision, "fp32|fp16|int8", "precision"));
  sub->add_option("-t,--threads", o->threads, "Threads (default: one per core)")->check(CLI::NonNegativeNumber);
  sub->add_flag("--stats", o->stats,
                "Print load time, first-run and steady-state latency (10 more runs) and peak memory to stderr");
  sub->add_flag("--profile", o->profile,
                "Like --stats, then the time per operator and the slowest nodes (averaged over the runs after the "
                "first) to stderr");
  return [o] { run(*o); };
}

}  // namespace kite::cli
