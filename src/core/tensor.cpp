#include "kite/tensor.h"

#include <cstring>
#include <limits>
#include <sstream>

#include "core/aligned_alloc.h"

namespace kite {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    KITE_CHECK(d >= 0, "negative dimension in shape ", shape_to_string(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / 4 / d)
      fail("shape ", shape_to_string(shape), " is too large");
    n *= d;
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  storage_ = allocate_aligned(nbytes());
  data_ = storage_.get();
}

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  t.storage_ = allocate_aligned(t.nbytes(), /*zero_fill=*/false);
  t.data_ = t.storage_.get();
  return t;
}

Tensor Tensor::view(DType dtype, Shape shape, const void* data, std::shared_ptr<const void> keep_alive) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  t.storage_ = std::move(keep_alive);
  t.data_ = data;
  return t;
}

Tensor Tensor::from_floats(Shape shape, const std::vector<float>& values) {
  Tensor t(DType::f32, std::move(shape));
  KITE_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "from_floats: ", values.size(),
             " values for shape ", shape_to_string(t.shape()));
  if (!values.empty()) std::memcpy(t.raw_mutable(), values.data(), t.nbytes());
  return t;
}

Tensor Tensor::from_int64s(Shape shape, const std::vector<int64_t>& values) {
  Tensor t(DType::s64, std::move(shape));
  KITE_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "from_int64s: ", values.size(),
             " values for shape ", shape_to_string(t.shape()));
  if (!values.empty()) std::memcpy(t.raw_mutable(), values.data(), t.nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  KITE_CHECK(shape_numel(t.shape_) == numel_, "cannot reshape ", shape_to_string(shape_), " to ",
             shape_to_string(t.shape_));
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.raw_mutable(), data_, nbytes());
  return t;
}

void Tensor::check_type(DType wanted) const {
  KITE_CHECK(wanted == dtype_, "tensor holds ", dtype_name(dtype_), ", accessed as ", dtype_name(wanted));
}

}  // namespace kite
