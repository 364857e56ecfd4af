// Output files that appear whole or not at all. Each is written next to its destination under a
// temporary name and renamed into place by commit(), so a failure (a full disk, an error in a
// later output) never leaves a partial or half-updated set of files behind.
#pragma once
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace kite {

class StagedFiles {
 public:
  StagedFiles() = default;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  // Removes every temporary file that was not committed.
  ~StagedFiles();

  // Writes the file's contents to its temporary name; errors name `path`.
  void stage(const std::string& path, const std::function<void(std::ostream&)>& write);
  // Renames every staged file into place.
  void commit();

 private:
  std::vector<std::pair<std::string, std::string>> staged_;  // (temporary, destination)
};

// One file, staged and committed.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace kite
