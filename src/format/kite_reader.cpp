#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "core/aligned_alloc.h"
#include "format/kite_file.h"
#include "format/kite_generated.h"
#include "format/kite_layout.h"
#include "kernels/half_convert.h"
#include "ops/op.h"

namespace kite {
namespace {

// FlatBuffers' verifier checks a vector's bounds but not that 8-byte elements are 8-aligned;
// copying the bytes avoids misaligned loads in a corrupt file.
std::vector<int64_t> copy_int64s(const flatbuffers::Vector<int64_t>* v) {
  std::vector<int64_t> out;
  if (!v) return out;
  out.resize(v->size());
  if (!out.empty()) std::memcpy(out.data(), v->Data(), out.size() * sizeof(int64_t));
  return out;
}

class KiteParser {
 public:
  // `file_mapped`: data_ is a read-only mapping of the file, whose pages can be dropped and read
  // again from the file.
  KiteParser(const uint8_t* data, uint64_t size, std::shared_ptr<const void> keep_alive, bool file_mapped)
      : data_(data), size_(size), keep_alive_(std::move(keep_alive)), file_mapped_(file_mapped) {}

  Graph parse() {
    KITE_CHECK(size_ >= kKiteHeaderBytes && std::memcmp(data_, kKiteMagic, sizeof kKiteMagic) == 0,
               "not a .kite file (bad magic)");
    uint64_t fb_size;
    std::memcpy(&fb_size, data_ + sizeof kKiteMagic, sizeof fb_size);
    KITE_CHECK(fb_size <= size_ - kKiteHeaderBytes, "truncated .kite file (graph section runs past the end)");
    const uint8_t* fb_data = data_ + kKiteHeaderBytes;
    flatbuffers::Verifier verifier(fb_data, static_cast<size_t>(fb_size));
    KITE_CHECK(fb::VerifyModelBuffer(verifier), "corrupt .kite file (graph section fails verification)");
    blob_start_ = align_up(kKiteHeaderBytes + fb_size, kKiteBlobAlignment);
    KITE_CHECK(blob_start_ <= size_, "truncated .kite file (weights missing)");
    return build(*fb::GetModel(fb_data));
  }

 private:
  Tensor tensor(const fb::TensorData& t) const {
    KITE_CHECK(dtype_is_valid(t.dtype()), "corrupt .kite file (unknown dtype ", int(t.dtype()), ")");
    DType dtype = static_cast<DType>(t.dtype());
    KITE_CHECK(t.storage() <= fb::Storage_MAX, "corrupt .kite file (unknown tensor storage ", int(t.storage()), ")");
    const bool half = t.storage() == fb::Storage_Float16;
    KITE_CHECK(!half || dtype == DType::f32, "corrupt .kite file (an fp16-stored tensor must be f32)");
    Shape shape = copy_int64s(t.shape());
    int64_t numel = shape_numel(shape);
    uint64_t blob_size = size_ - blob_start_;
    uint64_t element_bytes = half ? 2 : dtype_size(dtype);
    // Bounded before multiplying, so that a huge shape cannot wrap the product around.
    KITE_CHECK(static_cast<uint64_t>(numel) <= UINT64_MAX / element_bytes &&
                   t.size() == static_cast<uint64_t>(numel) * element_bytes,
               "corrupt .kite file (tensor size does not match its shape)");
    KITE_CHECK(t.offset() % kKiteBlobAlignment == 0 && t.offset() <= blob_size && t.size() <= blob_size - t.offset(),
               "truncated or corrupt .kite file (tensor data out of range)");
    const uint8_t* bytes = data_ + blob_start_ + t.offset();
    if (!half) return Tensor::view(dtype, std::move(shape), bytes, keep_alive_);
    // Widened once here: the graph and every kernel see f32, as from an fp32 file.
    Tensor widened = Tensor::uninitialized(DType::f32, std::move(shape));
    f16_to_f32(reinterpret_cast<const uint16_t*>(bytes), widened.data<float>(), numel);
    release_pages(bytes, t.size());
    return widened;
  }

  // The fp16 bytes are not read again once widened: dropping their pages keeps the process at the
  // f32 weights alone, as with an fp32 file, rather than both. Only whole pages inside the range
  // go; a dropped page would simply be read from the file again.
  void release_pages(const uint8_t* p, uint64_t n) const {
    if (!file_mapped_) return;
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = align_up(reinterpret_cast<uintptr_t>(p), page);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }

  std::vector<int> indices(const flatbuffers::Vector<int32_t>* v) const {
    return v ? std::vector<int>(v->begin(), v->end()) : std::vector<int>{};
  }

  Attribute attribute(const fb::Attribute& a) const {
    Attribute out;
    KITE_CHECK(a.kind() <= fb::AttributeKind_MAX, "corrupt .kite file (unknown attribute kind)");
    out.kind = static_cast<Attribute::Kind>(a.kind());
    out.i = a.i();
    out.f = a.f();
    if (a.s()) out.s = a.s()->str();
    out.ints = copy_int64s(a.ints());
    if (a.floats()) out.floats.assign(a.floats()->begin(), a.floats()->end());
    if (a.strings())
      for (const auto* s : *a.strings()) out.strings.push_back(s->str());
    if (out.kind == Attribute::Kind::kTensor) {
      KITE_CHECK(a.tensor(), "corrupt .kite file (tensor attribute without data)");
      out.tensor = tensor(*a.tensor());
    }
    return out;
  }

  Graph build(const fb::Model& m) const {
    Graph g;
    if (m.values())
      for (const fb::Value* v : *m.values()) {
        Value value;
        value.name = v->name()->str();
        KITE_CHECK(dtype_is_valid(v->dtype()), "corrupt .kite file (unknown dtype)");
        value.dtype = static_cast<DType>(v->dtype());
        value.shape = copy_int64s(v->shape());
        value.shape_known = true;
        if (v->constant()) value.constant = tensor(*v->constant());
        g.values.push_back(std::move(value));
      }
    if (m.nodes())
      for (const fb::Node* n : *m.nodes()) {
        Node node;
        node.name = n->name()->str();
        node.op = n->op()->str();
        // kite's internal operators exist only inside a session; a file naming one is refused.
        if (const OpDef* def = find_op(node.op); def && def->internal) node.op = "internal." + node.op;
        node.inputs = indices(n->inputs());
        node.outputs = indices(n->outputs());
        node.opset = n->opset();
        if (n->attributes())
          for (const fb::Attribute* a : *n->attributes()) node.attrs.set(a->name()->str(), attribute(*a));
        g.nodes.push_back(std::move(node));
      }
    g.inputs = indices(m.inputs());
    g.outputs = indices(m.outputs());
    return g;
  }

  const uint8_t* data_;
  uint64_t size_;
  std::shared_ptr<const void> keep_alive_;
  bool file_mapped_;
  uint64_t blob_start_ = 0;
};

// An open file's read-only mapping, unmapped when the last tensor viewing it goes.
std::shared_ptr<const void> map_file(const std::string& path, uint64_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY);
  KITE_CHECK(fd >= 0, "cannot open '", path, "': ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail("'", path, "' is not a regular file");
  }
  size = static_cast<uint64_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    fail("'", path, "' is empty");
  }
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  KITE_CHECK(p != MAP_FAILED, "cannot map '", path, "': ", std::strerror(errno));
  return std::shared_ptr<const void>(p, [size](const void* q) { ::munmap(const_cast<void*>(q), size); });
}

}  // namespace

bool is_kite_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof kKiteMagic] = {};
  in.read(magic, sizeof magic);
  return in && std::memcmp(magic, kKiteMagic, sizeof magic) == 0;
}

Graph read_kite_file(const std::string& path) {
  uint64_t size = 0;
  std::shared_ptr<const void> mapping = map_file(path, size);
  return KiteParser(static_cast<const uint8_t*>(mapping.get()), size, mapping, /*file_mapped=*/true).parse();
}

Graph read_kite_bytes(const void* data, size_t size) {
  std::shared_ptr<void> copy = allocate_aligned(size);
  if (size) std::memcpy(copy.get(), data, size);
  return KiteParser(static_cast<const uint8_t*>(copy.get()), size, copy, /*file_mapped=*/false).parse();
}

}  // namespace kite
