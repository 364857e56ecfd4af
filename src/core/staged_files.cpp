#include "core/staged_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "kite/error.h"

namespace kite {

StagedFiles::~StagedFiles() {
  for (const auto& [tmp, path] : staged_) std::remove(tmp.c_str());
}

void StagedFiles::stage(const std::string& path, const std::function<void(std::ostream&)>& write) {
  // The process id keeps the name clear of the user's files and of a concurrent kite.
  std::string tmp = path + ".kite-tmp-" + std::to_string(::getpid());
  staged_.emplace_back(tmp, path);
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  KITE_CHECK(out, "cannot write '", path, "': ", std::strerror(errno));
  write(out);
  out.flush();
  KITE_CHECK(out, "cannot write '", path, "' (disk full?)");
}

void StagedFiles::commit() {
  for (auto& [tmp, path] : staged_) {
    KITE_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot move '", tmp, "' to '", path, "': ",
               std::strerror(errno));
    tmp.clear();
  }
  staged_.clear();
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  StagedFiles files;
  files.stage(path, write);
  files.commit();
}

}  // namespace kite
