// lsm::tree::verify_checksums: reads every live table from its file and
// checks every block. A flip of any one byte of a table, anywhere in it
// (filter block included, which lookups quietly do without), is reported as
// corruption naming the file; a missing table as an I/O error.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "support/keys.hpp"
#include "support/temp_path.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_verify_test {

namespace {

namespace fs = std::filesystem;
using string_tree = lsm::tree<std::string, std::string>;
using lsm_test::temp_path;

using lsm_test::key;

std::vector<std::string> tables(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".sst") paths.push_back(e.path().string());
  return paths;
}

void flip(const std::string& path, std::uint64_t offset, char mask) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  c = static_cast<char>(c ^ mask);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(c);
}

}  // namespace

TEST_CASE("verify_checksums passes a sound tree of several levels", "[tree][verify]") {
  const std::string dir = temp_path("lsm_verify_sound");
  lsm::options opts;
  opts.write_buffer_size = 128 << 10;
  opts.target_file_size = 64 << 10;
  string_tree db(dir, opts);
  db.verify_checksums();  // empty
  for (int i = 0; i < 6000; ++i) db.put(key(i), std::string(100, 'a'));
  db.erase_range(key(100), key(200));
  db.erase(key(7));
  db.compact();
  for (int i = 0; i < 1000; ++i) db.put(key(i * 5), "newer");
  db.flush();
  REQUIRE(tables(dir).size() > 3);
  CHECK_NOTHROW(db.verify_checksums());
  std::error_code ec = make_error_code(lsm::errc::io_error);
  db.verify_checksums(ec);
  CHECK(!ec);
  CHECK(db.get(key(5)) == "newer");  // reads unchanged
  fs::remove_all(dir);
}

TEST_CASE("verify_checksums reports a flip of any byte of a table, naming it", "[tree][verify]") {
  const std::string dir = temp_path("lsm_verify_flip");
  string_tree db(dir);
  for (int i = 0; i < 300; ++i) db.put(key(i), "value" + std::to_string(i));
  db.erase_range(key(10), key(20));  // a range tombstone block
  db.flush();
  const auto paths = tables(dir);
  REQUIRE(paths.size() == 1);
  const std::string path = paths[0];
  const std::string name = fs::path(path).filename().string();
  const auto size = fs::file_size(path);
  REQUIRE(size > 4096);
  std::size_t reported = 0;
  for (std::uint64_t off = 0; off < size; ++off) {
    INFO("flipped byte " << off << " of " << size);
    const char mask = static_cast<char>(1 << (off % 8));
    flip(path, off, mask);
    std::error_code ec;
    db.verify_checksums(ec);
    const bool is_corruption = ec == lsm::errc::corruption;
    CHECK(is_corruption);
    if (is_corruption) ++reported;
    if (off % 512 == 0) {  // the throwing form, and its message
      try {
        db.verify_checksums();
        FAIL("verify_checksums returned");
      } catch (const lsm::error& e) {
        CHECK_THAT(e.what(), Catch::Contains(name) && Catch::Contains("offset"));
      }
    }
    flip(path, off, mask);
  }
  CHECK(reported == size);
  db.verify_checksums();  // all restored
  fs::remove_all(dir);
}

TEST_CASE("verify_checksums reports a missing table as an I/O error", "[tree][verify]") {
  const std::string dir = temp_path("lsm_verify_missing");
  string_tree db(dir);
  for (int i = 0; i < 100; ++i) db.put(key(i), "v");
  db.flush();
  const auto paths = tables(dir);
  REQUIRE(paths.size() == 1);
  fs::remove(paths[0]);
  std::error_code ec;
  db.verify_checksums(ec);
  CHECK(ec == lsm::errc::io_error);
  fs::remove_all(dir);
}

TEST_CASE("verify_checksums on a tree that failed to open is invalid_argument", "[tree][verify]") {
  lsm::options opts;
  opts.create_if_missing = false;
  std::error_code ec;
  string_tree db(temp_path("lsm_verify_bad") + "/missing", opts, ec);
  REQUIRE(ec);
  db.verify_checksums(ec);
  CHECK(ec == lsm::errc::invalid_argument);
}

}  // namespace lsm_test_verify_test
