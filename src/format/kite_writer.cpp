#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>

#include "core/staged_files.h"
#include "format/kite_file.h"
#include "format/kite_generated.h"
#include "format/kite_layout.h"
#include "kernels/half_convert.h"

namespace kite {
namespace {

namespace fb = kite::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

class KiteWriter {
 public:
  KiteWriter(const Graph& g, const KiteWriteOptions& options) : g_(g), options_(options) {}

  void write(const std::string& path) {
    b_.Finish(build_model(), "KITE");
    write_file_atomically(path, [&](std::ostream& out) { write_file(out); });
  }

 private:
  // Reserves a 64-aligned place in the blob for a tensor's bytes.
  Offset<fb::TensorData> place(const Tensor& t, fb::Storage storage = fb::Storage_AsDType) {
    const Tensor* stored = &t;
    if (storage == fb::Storage_Float16) {
      Tensor& half = narrowed_.emplace_back(Tensor::uninitialized(DType::f16, t.shape()));
      f32_to_f16(t.data<float>(), half.data<uint16_t>(), t.numel());
      stored = &half;
    }
    uint64_t offset = blob_size_;
    blob_.push_back(stored);
    blob_size_ = align_up(blob_size_ + stored->nbytes(), kKiteBlobAlignment);
    // dtype stays the graph's (f32); storage says how the bytes hold it.
    return fb::CreateTensorData(b_, static_cast<uint8_t>(t.dtype()), b_.CreateVector(t.shape()), offset,
                                stored->nbytes(), storage);
  }

  Offset<fb::Attribute> build_attribute(const std::string& name, const Attribute& a) {
    auto fb_name = b_.CreateString(name);
    auto s = b_.CreateString(a.s);
    auto ints = b_.CreateVector(a.ints);
    auto floats = b_.CreateVector(a.floats);
    auto strings = b_.CreateVectorOfStrings(a.strings);
    Offset<fb::TensorData> tensor = a.kind == Attribute::Kind::kTensor ? place(a.tensor) : 0;
    return fb::CreateAttribute(b_, fb_name, static_cast<fb::AttributeKind>(a.kind), a.i, a.f, s, ints, floats,
                               strings, tensor);
  }

  Offset<fb::Node> build_node(const Node& n) {
    std::vector<Offset<fb::Attribute>> attrs;
    for (const auto& [name, a] : n.attrs.all()) attrs.push_back(build_attribute(name, a));
    return fb::CreateNode(b_, b_.CreateString(n.name), b_.CreateString(n.op), b_.CreateVector(n.inputs),
                          b_.CreateVector(n.outputs), b_.CreateVector(attrs), n.opset);
  }

  Offset<fb::Value> build_value(const Value& v) {
    Offset<fb::TensorData> constant = 0;
    if (v.constant) {
      bool half = options_.fp16_weights && kite_stores_as_fp16(*v.constant);
      constant = place(*v.constant, half ? fb::Storage_Float16 : fb::Storage_AsDType);
    }
    return fb::CreateValue(b_, b_.CreateString(v.name), static_cast<uint8_t>(v.dtype), b_.CreateVector(v.shape),
                           constant);
  }

  Offset<fb::Model> build_model() {
    std::vector<Offset<fb::Value>> values;
    for (const Value& v : g_.values) values.push_back(build_value(v));
    std::vector<Offset<fb::Node>> nodes;
    for (const Node& n : g_.nodes) nodes.push_back(build_node(n));
    return fb::CreateModel(b_, b_.CreateVector(values), b_.CreateVector(nodes), b_.CreateVector(g_.inputs),
                           b_.CreateVector(g_.outputs));
  }

  void write_file(std::ostream& out) {
    uint64_t fb_size = b_.GetSize();
    out.write(kKiteMagic, sizeof kKiteMagic);
    out.write(reinterpret_cast<const char*>(&fb_size), sizeof fb_size);
    out.write(reinterpret_cast<const char*>(b_.GetBufferPointer()), static_cast<std::streamsize>(fb_size));
    pad_to(out, align_up(kKiteHeaderBytes + fb_size, kKiteBlobAlignment));
    uint64_t blob_start = static_cast<uint64_t>(out.tellp());
    // Each tensor starts 64-aligned; the file ends right after the last one's bytes.
    for (const Tensor* t : blob_) {
      pad_to(out, align_up(static_cast<uint64_t>(out.tellp()) - blob_start, kKiteBlobAlignment) + blob_start);
      out.write(static_cast<const char*>(t->raw()), static_cast<std::streamsize>(t->nbytes()));
    }
  }

  static void pad_to(std::ostream& out, uint64_t position) {
    static const char zeros[kKiteBlobAlignment] = {};
    uint64_t at = static_cast<uint64_t>(out.tellp());
    if (position > at) out.write(zeros, static_cast<std::streamsize>(position - at));
  }

  const Graph& g_;
  const KiteWriteOptions& options_;
  FlatBufferBuilder b_{1 << 16};
  std::vector<const Tensor*> blob_;
  std::deque<Tensor> narrowed_;  // fp16 copies of the weights stored as fp16 (a deque keeps them in place)
  uint64_t blob_size_ = 0;
};

}  // namespace

bool kite_stores_as_fp16(const Tensor& t) { return t.dtype() == DType::f32 && t.numel() > 16; }

void write_kite_file(const Graph& g, const std::string& path, const KiteWriteOptions& options) {
  KiteWriter(g, options).write(path);
}

}  // namespace kite
