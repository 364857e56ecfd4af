// kite::Tensor: a shaped, typed, 64-byte-aligned block of elements in row-major (C) order.
//
// A tensor either owns its storage or views memory kept alive by someone else (a memory-mapped
// model file, say). Copies are shallow: they share the storage. Use clone() for a deep copy.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kite/dtype.h"
#include "kite/error.h"

namespace kite {

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar's empty shape). Throws on negative dimensions
// or on overflow, so a corrupt file cannot make kite allocate a wrapped-around size.
int64_t shape_numel(const Shape& shape);
// "[1, 3, 224, 224]".
std::string shape_to_string(const Shape& shape);

class Tensor {
 public:
  // An empty tensor: no dtype meaning, no storage.
  Tensor() = default;
  // Allocates zero-filled storage for the shape.
  Tensor(DType dtype, Shape shape);
  // Allocates storage whose contents are unspecified: for outputs a kernel overwrites entirely.
  static Tensor uninitialized(DType dtype, Shape shape);
  // Views `data` without copying; `keep_alive` holds whatever owns that memory.
  static Tensor view(DType dtype, Shape shape, const void* data, std::shared_ptr<const void> keep_alive);

  // Scalar and 1-D helpers for building small constant tensors.
  static Tensor from_floats(Shape shape, const std::vector<float>& values);
  static Tensor from_int64s(Shape shape, const std::vector<int64_t>& values);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_.at(static_cast<size_t>(i)); }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  bool empty() const { return data_ == nullptr && numel_ == 0 && shape_.empty(); }

  const void* raw() const { return data_; }
  void* raw_mutable() { return const_cast<void*>(data_); }

  // Typed access; throws if T does not match the dtype.
  template <typename T>
  const T* data() const {
    check_type(type_of<T>());
    return static_cast<const T*>(data_);
  }
  template <typename T>
  T* data() {
    check_type(type_of<T>());
    return static_cast<T*>(const_cast<void*>(data_));
  }

  // Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  Tensor clone() const;

 private:
  template <typename T>
  static DType type_of();
  void check_type(DType wanted) const;

  DType dtype_ = DType::f32;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<const void> storage_;
  const void* data_ = nullptr;
};

template <> inline DType Tensor::type_of<float>() { return DType::f32; }
template <> inline DType Tensor::type_of<uint16_t>() { return DType::f16; }
template <> inline DType Tensor::type_of<int8_t>() { return DType::s8; }
template <> inline DType Tensor::type_of<uint8_t>() { return DType::u8; }
template <> inline DType Tensor::type_of<int32_t>() { return DType::s32; }
template <> inline DType Tensor::type_of<int64_t>() { return DType::s64; }
template <> inline DType Tensor::type_of<bool>() { return DType::boolean; }
template <> inline DType Tensor::type_of<double>() { return DType::f64; }

}  // namespace kite
