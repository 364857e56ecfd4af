#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/staged_files.h"
#include "kite/error.h"

namespace fs = std::filesystem;

namespace kite {
namespace {

TEST(StagedFiles, NothingAppearsUnlessCommitted) {
  fs::path dir = fs::temp_directory_path() / "kite_staged_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    StagedFiles files;
    files.stage((dir / "a.txt").string(), [](std::ostream& out) { out << "a"; });
    files.stage((dir / "b.txt").string(), [](std::ostream& out) { out << "b"; });
  }  // an error before commit() lands here
  EXPECT_TRUE(fs::is_empty(dir)) << "temporaries must be removed, nothing renamed";
  {
    StagedFiles files;
    files.stage((dir / "a.txt").string(), [](std::ostream& out) { out << "a"; });
    files.stage((dir / "b.txt").string(), [](std::ostream& out) { out << "b"; });
    files.commit();
  }
  EXPECT_TRUE(fs::exists(dir / "a.txt"));
  EXPECT_TRUE(fs::exists(dir / "b.txt"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
  fs::remove_all(dir);
}

TEST(StagedFiles, UnwritableDestinationNamesIt) {
  try {
    write_file_atomically("/nonexistent-dir/x.npy", [](std::ostream& out) { out << "x"; });
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.npy"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kite
