#include "ops/op_util.h"

#include "core/half.h"

#include <algorithm>
#include <cstring>

namespace kite {

int64_t normalize_axis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  KITE_CHECK(a >= 0 && a < std::max<int64_t>(rank, 1), "axis ", axis, " is out of range for rank ", rank);
  return a;
}

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t axis : axes) {
    KITE_CHECK(axis >= -rank && axis < rank, "axis ", axis, " is out of range for rank ", rank);
    int64_t a = axis < 0 ? axis + rank : axis;
    KITE_CHECK(std::find(out.begin(), out.end(), a) == out.end(), "axis ", axis, " is given twice");
    out.push_back(a);
  }
  return out;
}

int64_t dims_product(const Shape& shape, int64_t begin, int64_t end) {
  int64_t n = 1;
  for (int64_t i = begin; i < end; ++i) n *= shape[static_cast<size_t>(i)];
  return n;
}

std::vector<int64_t> unravel_index(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    index[i] = flat % shape[i];
    flat /= shape[i];
  }
  return index;
}

int64_t offset_of(const std::vector<int64_t>& index, const std::vector<int64_t>& strides) {
  int64_t offset = 0;
  for (size_t i = 0; i < index.size(); ++i) offset += index[i] * strides[i];
  return offset;
}

void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset, int64_t count) {
  KITE_CHECK(src.dtype() == dst.dtype(), "copying ", dtype_name(src.dtype()), " elements into a ",
             dtype_name(dst.dtype()), " tensor");
  if (count == 0) return;
  size_t size = dtype_size(src.dtype());
  std::memcpy(static_cast<char*>(dst.raw_mutable()) + static_cast<size_t>(dst_offset) * size,
              static_cast<const char*>(src.raw()) + static_cast<size_t>(src_offset) * size,
              static_cast<size_t>(count) * size);
}

void require_dtype(DType got, DType wanted, const char* what) {
  KITE_CHECK(got == wanted, what, " must be ", dtype_name(wanted), ", got ", dtype_name(got));
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    KITE_CHECK(da == db || da == 1 || db == 1, "shapes ", shape_to_string(a), " and ", shape_to_string(b),
               " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape align_at_axis(const Shape& shape, int64_t axis, int64_t rank) {
  int64_t size = static_cast<int64_t>(shape.size());
  KITE_CHECK(axis >= 0 && axis + size <= rank, "a shape of rank ", size, " cannot be aligned at axis ", axis,
             " of a rank-", rank, " tensor");
  Shape padded = shape;
  padded.resize(static_cast<size_t>(rank - axis), 1);
  return padded;
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& out) {
  std::vector<int64_t> own = contiguous_strides(shape);
  std::vector<int64_t> strides(out.size(), 0);
  size_t offset = out.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) strides[offset + i] = shape[i] == 1 ? 0 : own[i];
  return strides;
}

const Value* optional_input(const std::vector<const Value*>& inputs, size_t i) {
  return i < inputs.size() ? inputs[i] : nullptr;
}

const Tensor* optional_input(const std::vector<const Tensor*>& inputs, size_t i) {
  return i < inputs.size() ? inputs[i] : nullptr;
}

std::vector<int64_t> tensor_ints(const Tensor& t) {
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  if (t.dtype() == DType::s64) {
    std::copy(t.data<int64_t>(), t.data<int64_t>() + t.numel(), out.begin());
  } else if (t.dtype() == DType::s32) {
    std::copy(t.data<int32_t>(), t.data<int32_t>() + t.numel(), out.begin());
  } else {
    fail("expected an integer tensor, got ", dtype_name(t.dtype()));
  }
  return out;
}

static void require_integer(DType dtype, const char* what) {
  KITE_CHECK(dtype == DType::s64 || dtype == DType::s32, what, " must be an integer tensor, got ", dtype_name(dtype));
}

std::vector<int64_t> input_ints(const Value& v, const char* what) {
  require_integer(v.dtype, what);
  return constant_ints(v, what);
}

std::vector<int64_t> input_ints(const Tensor& t, const char* what) {
  require_integer(t.dtype(), what);
  return tensor_ints(t);
}

std::vector<float> tensor_floats(const Tensor& t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) out[static_cast<size_t>(i)] = static_cast<float>(element_as_double(t, i));
  return out;
}

const Tensor& constant_tensor(const Value& v, const char* what) {
  if (!v.constant) throw ValueNeededAtRunTime(detail::concat(what, " ('", v.name, "') is only known at run time"));
  return *v.constant;
}

std::vector<int64_t> constant_ints(const Value& v, const char* what) { return tensor_ints(constant_tensor(v, what)); }

bool bool_at(const Tensor& t, int64_t i) {
  require_dtype(t.dtype(), DType::boolean, "tensor");
  return static_cast<const uint8_t*>(t.raw())[i] != 0;
}

double element_as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::f32: return t.data<float>()[i];
    case DType::f64: return t.data<double>()[i];
    case DType::s8: return t.data<int8_t>()[i];
    case DType::u8: return t.data<uint8_t>()[i];
    case DType::s32: return t.data<int32_t>()[i];
    case DType::s64: return static_cast<double>(t.data<int64_t>()[i]);
    case DType::boolean: return bool_at(t, i) ? 1.0 : 0.0;
    case DType::f16: return half_to_float(t.data<uint16_t>()[i]);
  }
  return 0;
}

void set_element_from_double(Tensor& t, int64_t i, double v) {
  switch (t.dtype()) {
    case DType::f32: t.data<float>()[i] = static_cast<float>(v); return;
    case DType::f64: t.data<double>()[i] = v; return;
    case DType::s8: t.data<int8_t>()[i] = static_cast<int8_t>(v); return;
    case DType::u8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); return;
    case DType::s32: t.data<int32_t>()[i] = static_cast<int32_t>(v); return;
    case DType::s64: t.data<int64_t>()[i] = static_cast<int64_t>(v); return;
    case DType::boolean: t.data<bool>()[i] = v != 0.0; return;
    case DType::f16: t.data<uint16_t>()[i] = double_to_half(v); return;
  }
}

}  // namespace kite
