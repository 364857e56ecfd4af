// MaxPool, AveragePool, GlobalMaxPool and GlobalAveragePool over the spatial dims of an
// (N, C, D1..Dk) input. The windowed pools reduce along the runs of window_runs(), which only
// visit input positions, never padding.
#include <algorithm>
#include <limits>

#include "ops/op_util.h"
#include "ops/window_geometry.h"

namespace kite {
namespace {

int64_t flag_attribute(const Node& node, const char* name) {
  int64_t value = node.attrs.get_int(name, 0);
  KITE_CHECK(value == 0 || value == 1, name, " must be 0 or 1, got ", value);
  return value;
}

void check_pool_input(const Shape& x) {
  KITE_CHECK(x.size() >= 3, "input must be (N, C, D1, ...) with at least one spatial dim, got ", shape_to_string(x));
}

// Each (n, c) plane is pooled on its own.
int64_t plane_count(const Shape& x) { return x[0] * x[1]; }

WindowGeometry pool_geometry(const Node& node, const Shape& x) {
  check_pool_input(x);
  KITE_CHECK(node.attrs.has("kernel_shape"), "missing attribute kernel_shape");
  Shape spatial(x.begin() + 2, x.end());
  return window_geometry(node, spatial, node.attrs.get_ints("kernel_shape", {}), flag_attribute(node, "ceil_mode"));
}

Shape pooled_shape(const Shape& x, const Shape& spatial) {
  Shape out{x[0], x[1]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  return out;
}

// --- MaxPool -------------------------------------------------------------------------------

std::vector<ValueType> infer_max_pool(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  // Max needs no arithmetic, so MaxPool also serves the 8-bit types ONNX allows for it.
  KITE_CHECK(x.dtype == DType::f32 || x.dtype == DType::f64 || x.dtype == DType::s8 || x.dtype == DType::u8,
             "X must be f32, f64, s8 or u8, got ", dtype_name(x.dtype));
  KITE_CHECK(node.outputs.size() <= 2, "MaxPool has at most 2 outputs (Y, Indices), the node names ",
             node.outputs.size());
  flag_attribute(node, "storage_order");
  Shape y = pooled_shape(x.shape, pool_geometry(node, x.shape).output);
  std::vector<ValueType> out{{x.dtype, y}};
  if (node.outputs.size() == 2) out.push_back({DType::s64, y});
  return out;
}

// Flat index of a row-major spatial position `flat` when the spatial dims are stored
// column-major (storage_order 1): the first dim varies fastest.
int64_t column_major_index(int64_t flat, const Shape& spatial) {
  std::vector<int64_t> position = unravel_index(flat, spatial);
  int64_t index = 0;
  for (size_t d = spatial.size(); d-- > 0;) index = index * spatial[d] + position[d];
  return index;
}

// The maximum of a window holding only padding.
template <typename T>
T empty_window_max() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
}

template <typename T>
void max_pool(const WindowGeometry& g, bool column_major, const Tensor& x, std::vector<Tensor>& outputs) {
  std::vector<std::vector<WindowRun>> runs = window_runs(g);
  int64_t in_size = shape_numel(g.input), out_size = shape_numel(g.output), step = g.strides.back();
  // Per output position, the input position of the maximum so far; -1 while nothing was seen.
  std::vector<int64_t> best(static_cast<size_t>(out_size));
  for (int64_t plane = 0; plane < plane_count(x.shape()); ++plane) {
    const T* xp = x.data<T>() + plane * in_size;
    T* yp = outputs[0].data<T>() + plane * out_size;
    std::fill(best.begin(), best.end(), -1);
    for (const std::vector<WindowRun>& offset_runs : runs)
      for (const WindowRun& run : offset_runs)
        for (int64_t t = 0; t < run.length; ++t) {
          int64_t p = run.out_start + t, q = run.in_start + t * step;
          // Strictly greater: on ties the window's first element (row-major) wins.
          if (best[p] < 0 || xp[q] > yp[p]) {
            yp[p] = xp[q];
            best[p] = q;
          }
        }
    for (int64_t p = 0; p < out_size; ++p)
      if (best[p] < 0) yp[p] = empty_window_max<T>();
    if (outputs.size() < 2) continue;
    int64_t* indices = outputs[1].data<int64_t>() + plane * out_size;
    for (int64_t p = 0; p < out_size; ++p) {
      int64_t spatial_index = column_major ? column_major_index(best[p], g.input) : best[p];
      indices[p] = best[p] < 0 ? -1 : plane * in_size + spatial_index;
    }
  }
}

void reference_max_pool(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  WindowGeometry g = pool_geometry(node, x.shape());
  bool column_major = node.attrs.get_int("storage_order", 0) == 1;
  switch (x.dtype()) {
    case DType::f32: return max_pool<float>(g, column_major, x, outputs);
    case DType::f64: return max_pool<double>(g, column_major, x, outputs);
    case DType::s8: return max_pool<int8_t>(g, column_major, x, outputs);
    case DType::u8: return max_pool<uint8_t>(g, column_major, x, outputs);
    default: fail("MaxPool does not support ", dtype_name(x.dtype()));
  }
}

// --- AveragePool ---------------------------------------------------------------------------

std::vector<ValueType> infer_average_pool(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  require_dtype(x.dtype, DType::f32, "X");
  flag_attribute(node, "count_include_pad");
  return {{DType::f32, pooled_shape(x.shape, pool_geometry(node, x.shape).output)}};
}

// How many elements of the window at output position `o` along dim d count toward the average:
// those inside the input, or with count_include_pad those inside input + pads too (a ceil_mode
// window reaching past the end padding is clipped to it).
int64_t window_count(const WindowGeometry& g, size_t d, int64_t o, bool include_pad) {
  int64_t low = include_pad ? -g.pad_begin[d] : 0;
  int64_t high = g.input[d] + (include_pad ? g.pad_end[d] : 0);
  int64_t count = 0;
  for (int64_t k = 0; k < g.kernel[d]; ++k) {
    int64_t position = g.input_position(d, o, k);
    count += position >= low && position < high;
  }
  return count;
}

// The divisor of every output position: the window is a box, so its count is the product of
// the per-dim counts.
std::vector<int64_t> window_divisors(const WindowGeometry& g, bool include_pad) {
  std::vector<int64_t> divisors(static_cast<size_t>(shape_numel(g.output)));
  for (size_t p = 0; p < divisors.size(); ++p) {
    std::vector<int64_t> position = unravel_index(static_cast<int64_t>(p), g.output);
    divisors[p] = 1;
    for (size_t d = 0; d < g.rank(); ++d) divisors[p] *= window_count(g, d, position[d], include_pad);
  }
  return divisors;
}

void reference_average_pool(const Node& node, const std::vector<const Tensor*>& inputs,
                            std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  WindowGeometry g = pool_geometry(node, x.shape());
  std::vector<std::vector<WindowRun>> runs = window_runs(g);
  std::vector<int64_t> divisors = window_divisors(g, node.attrs.get_int("count_include_pad", 0) == 1);
  int64_t in_size = shape_numel(g.input), out_size = shape_numel(g.output), step = g.strides.back();
  for (int64_t plane = 0; plane < plane_count(x.shape()); ++plane) {
    const float* xp = x.data<float>() + plane * in_size;
    float* yp = outputs[0].data<float>() + plane * out_size;
    for (const std::vector<WindowRun>& offset_runs : runs)
      for (const WindowRun& run : offset_runs)
        for (int64_t t = 0; t < run.length; ++t) yp[run.out_start + t] += xp[run.in_start + t * step];
    for (int64_t p = 0; p < out_size; ++p)  // a window holding only padding has no average
      yp[p] = divisors[p] ? yp[p] / static_cast<float>(divisors[p]) : std::numeric_limits<float>::quiet_NaN();
  }
}

// --- GlobalMaxPool, GlobalAveragePool ------------------------------------------------------

std::vector<ValueType> infer_global_pool(const Node&, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  require_dtype(x.dtype, DType::f32, "X");
  check_pool_input(x.shape);
  return {{DType::f32, pooled_shape(x.shape, Shape(x.shape.size() - 2, 1))}};
}

int64_t plane_size(const Tensor& x) { return dims_product(x.shape(), 2, x.rank()); }

void reference_global_max_pool(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  int64_t size = plane_size(x);
  for (int64_t plane = 0; plane < plane_count(x.shape()); ++plane) {
    const float* xp = x.data<float>() + plane * size;
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < size; ++i) best = std::max(best, xp[i]);
    outputs[0].data<float>()[plane] = best;
  }
}

void reference_global_average_pool(const Node&, const std::vector<const Tensor*>& inputs,
                                   std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  int64_t size = plane_size(x);
  for (int64_t plane = 0; plane < plane_count(x.shape()); ++plane) {
    const float* xp = x.data<float>() + plane * size;
    double sum = 0;  // a whole feature map: double keeps the mean exact to float precision
    for (int64_t i = 0; i < size; ++i) sum += xp[i];
    outputs[0].data<float>()[plane] = static_cast<float>(sum / static_cast<double>(size));
  }
}

}  // namespace

OpDef op_max_pool() { return {"MaxPool", 1, 1, infer_max_pool, reference_max_pool}; }
OpDef op_average_pool() { return {"AveragePool", 1, 1, infer_average_pool, reference_average_pool}; }
OpDef op_global_max_pool() { return {"GlobalMaxPool", 1, 1, infer_global_pool, reference_global_max_pool}; }
OpDef op_global_average_pool() {
  return {"GlobalAveragePool", 1, 1, infer_global_pool, reference_global_average_pool};
}

}  // namespace kite
