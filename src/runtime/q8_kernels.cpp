// int8 kernels for what runs between quantized convolutions: FusedQLinearAdd (a residual Add),
// QLinearGlobalAveragePool, MaxPool on uint8, and QuantizeLinear / DequantizeLinear with one
// scale and zero point (the float boundary at the network's input and output). Each computes
// what its reference computes, byte for byte (kernels/requantize.h), split across threads.
#include <algorithm>

#include "kernels/q8_elementwise.h"
#include "kernels/q8_pooling.h"
#include "kernels/requantize.h"
#include "ops/quant_args.h"
#include "ops/window_geometry.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

// One uint8 scale and zero point from inputs (scale, zero point), or false.
bool u8_params(const Graph& g, const Node& n, size_t scale, QuantParams& q) {
  const Tensor* s = g.constant_input(n, scale);
  bool zp_given = scale + 1 < n.inputs.size() && n.inputs[scale + 1] >= 0;
  const Tensor* zp = g.constant_input(n, scale + 1);
  if (!s || s->numel() != 1 || (zp_given && !zp)) return false;
  q = read_quant_params(*s, zp, DType::u8);
  return q.dtype == DType::u8;
}

bool u8_input(const Graph& g, const Node& n, size_t i) {
  const Value& v = g.values[static_cast<size_t>(n.inputs[i])];
  return v.dtype == DType::u8 && v.shape_known;
}

// Elements split in runs of 4096, so threads do not share cache lines.
template <typename F>
void for_element_ranges(ThreadPool& pool, int64_t count, F f) {
  constexpr int64_t kBlock = 4096;
  int64_t blocks = (count + kBlock - 1) / kBlock;
  pool.parallel_for(blocks, [&](int64_t b0, int64_t b1) { f(b0 * kBlock, std::min(count, b1 * kBlock)); });
}

class Q8AddKernel : public NodeKernel {
 public:
  explicit Q8AddKernel(const Q8AddParams& p) : p_(p) {}
  std::string name() const override { return std::string("q8_add/") + add_q8_kernel_name(); }
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const uint8_t* a = in[0]->data<uint8_t>();
    const uint8_t* b = in[3]->data<uint8_t>();
    uint8_t* y = out[0].data<uint8_t>();
    for_element_ranges(pool, out[0].numel(), [&](int64_t i0, int64_t i1) { add_q8(a + i0, b + i0, y + i0, i1 - i0, p_); });
  }

 private:
  Q8AddParams p_;
};

std::unique_ptr<NodeKernel> make_add(const Graph& g, const Node& n) {
  QuantParams a, b, c;
  if (!u8_input(g, n, 0) || !u8_input(g, n, 3) || !u8_params(g, n, 1, a) || !u8_params(g, n, 4, b) || !u8_params(g, n, 6, c))
    return nullptr;
  Q8AddParams p;
  p.a_zero_point = a.zero_point[0];
  p.b_zero_point = b.zero_point[0];
  p.y_zero_point = c.zero_point[0];
  p.requant = make_add_requant(a.scale[0], b.scale[0], c.scale[0]);
  std::tie(p.qmin, p.qmax) = fused_output_range(n, DType::u8);
  constexpr int32_t kLimit = 1 << 22;  // add_q8's bound on the multipliers
  if (std::abs(p.requant.a_multiplier) > kLimit || std::abs(p.requant.b_multiplier) > kLimit) return nullptr;
  return std::make_unique<Q8AddKernel>(p);
}

class Q8AverageKernel : public NodeKernel {
 public:
  Q8AverageKernel(const Q8GlobalAveragePoolParams& p, int64_t plane) : p_(p), plane_(plane) {}
  std::string name() const override { return std::string("q8_global_average_pool/") + global_average_pool_q8_kernel_name(); }
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const uint8_t* x = in[0]->data<uint8_t>();
    uint8_t* y = out[0].data<uint8_t>();
    pool.parallel_for(out[0].numel(), [&](int64_t c0, int64_t c1) {
      global_average_pool_q8(x + c0 * plane_, y + c0, c1 - c0, plane_, p_);
    });
  }

 private:
  Q8GlobalAveragePoolParams p_;
  int64_t plane_;
};

std::unique_ptr<NodeKernel> make_average(const Graph& g, const Node& n) {
  QuantParams x, y;
  if (!u8_input(g, n, 0) || !u8_params(g, n, 1, x) || !u8_params(g, n, 3, y)) return nullptr;
  const Shape& s = g.values[static_cast<size_t>(n.inputs[0])].shape;
  int64_t plane = s[2] * s[3];
  if (plane < 1 || plane > (int64_t{1} << 23)) return nullptr;
  Q8GlobalAveragePoolParams p;
  p.x_zero_point = x.zero_point[0];
  p.y_zero_point = y.zero_point[0];
  p.scale = average_requant_scale(x.scale[0], y.scale[0], plane);
  return std::make_unique<Q8AverageKernel>(p, plane);
}

class U8MaxPoolKernel : public NodeKernel {
 public:
  U8MaxPoolKernel(const Q8PoolParams& p, int64_t planes) : p_(p), planes_(planes) {}
  std::string name() const override { return std::string("u8_max_pool/") + max_pool_u8_kernel_name(); }
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const uint8_t* x = in[0]->data<uint8_t>();
    uint8_t* y = out[0].data<uint8_t>();
    pool.parallel_for(planes_, [&](int64_t c0, int64_t c1) { max_pool_u8(p_, x, y, c0, c1); });
  }

 private:
  Q8PoolParams p_;
  int64_t planes_;
};

std::unique_ptr<NodeKernel> make_max_pool(const Graph& g, const Node& n) {
  const Value& x = g.values[static_cast<size_t>(n.inputs[0])];
  if (x.dtype != DType::u8 || !x.shape_known || x.shape.size() != 4 || n.outputs.size() != 1) return nullptr;
  const Value& y = g.values[static_cast<size_t>(n.outputs[0])];
  if (!y.shape_known) return nullptr;
  std::vector<int64_t> kernel = spatial_attribute(n, "kernel_shape", 2, 1, 1);
  WindowGeometry geo = window_geometry(n, {x.shape[2], x.shape[3]}, kernel, n.attrs.get_int("ceil_mode", 0) != 0);
  if (geo.dilations[0] != 1 || geo.dilations[1] != 1) return nullptr;
  Q8PoolParams p;
  p.channels = x.shape[0] * x.shape[1];
  p.in_h = x.shape[2];
  p.in_w = x.shape[3];
  p.out_h = y.shape[2];
  p.out_w = y.shape[3];
  p.kernel_h = geo.kernel[0];
  p.kernel_w = geo.kernel[1];
  p.stride_h = geo.strides[0];
  p.stride_w = geo.strides[1];
  p.pad_top = geo.pad_begin[0];
  p.pad_left = geo.pad_begin[1];
  return std::make_unique<U8MaxPoolKernel>(p, p.channels);
}

class QuantizeKernel : public NodeKernel {
 public:
  explicit QuantizeKernel(const QuantParams& q) : q_(q) {}
  std::string name() const override { return "quantize_u8"; }
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const float* x = in[0]->data<float>();
    uint8_t* y = out[0].data<uint8_t>();
    float s = q_.scale[0];
    int32_t z = q_.zero_point[0];
    for_element_ranges(pool, out[0].numel(), [&](int64_t i0, int64_t i1) {
      quantize_u8_block(x + i0, y + i0, i1 - i0, s, z);
    });
  }

 private:
  QuantParams q_;
};

class DequantizeKernel : public NodeKernel {
 public:
  explicit DequantizeKernel(const QuantParams& q) : q_(q) {}
  std::string name() const override { return "dequantize_u8"; }
  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const uint8_t* x = in[0]->data<uint8_t>();
    float* y = out[0].data<float>();
    float s = q_.scale[0];
    int32_t z = q_.zero_point[0];
    for_element_ranges(pool, out[0].numel(), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) y[i] = dequantize_value(x[i], s, z);
    });
  }

 private:
  QuantParams q_;
};

}  // namespace

std::unique_ptr<NodeKernel> make_q8_kernel(const Graph& g, const Node& n) {
  if (n.op == "FusedQLinearAdd") return make_add(g, n);
  if (n.op == "QLinearGlobalAveragePool") return make_average(g, n);
  if (n.op == "MaxPool") return make_max_pool(g, n);
  QuantParams q;
  if (n.op == "QuantizeLinear" && g.values[static_cast<size_t>(n.inputs[0])].shape_known && u8_params(g, n, 1, q))
    return std::make_unique<QuantizeKernel>(q);
  if (n.op == "DequantizeLinear" && u8_input(g, n, 0) && u8_params(g, n, 1, q)) return std::make_unique<DequantizeKernel>(q);
  return nullptr;
}

}  // namespace kite
