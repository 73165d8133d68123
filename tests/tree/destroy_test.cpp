// lsm::destroy: deletes a closed tree (its files, then its directory), is
// busy while a tree has the directory open (in this process or another),
// leaves files that are not the tree's, and after a crash partway leaves a
// directory that opens as the tree it was at an earlier moment or as an empty
// tree.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <set>
#include <vector>

#include "support/child_tree.hpp"
#include "support/keys.hpp"
#include "support/temp_path.hpp"
#include "support/crash_util.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_destroy_test {

namespace {

namespace fs = std::filesystem;
using string_tree = lsm::tree<std::string, std::string>;

using lsm_test::temp_path;

using lsm_test::key;

/// A closed tree with keys [0, flushed) in tables and [flushed, total) only
/// in its WAL.
void make_tree(const std::string& dir, int flushed, int total, const lsm::options& opts = {}) {
  string_tree db(dir, opts);
  for (int i = 0; i < flushed; ++i) db.put(key(i), "table");
  db.flush();
  for (int i = flushed; i < total; ++i) db.put(key(i), "wal");
}

/// The names in dir the library owns (what lsm_dump would look at).
std::vector<std::string> tree_files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const auto dot = name.find('.');
    const std::string suffix = dot == std::string::npos ? "" : name.substr(dot + 1);
    if (name == "CURRENT" || name == "LOCK" || name.rfind("MANIFEST-", 0) == 0 || suffix == "log" ||
        suffix == "sst" || suffix == "tmp")
      names.push_back(name);
  }
  return names;
}

bool has_suffix(const std::vector<std::string>& names, const std::string& suffix) {
  for (const auto& n : names)
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  return false;
}

std::size_t count_keys(const string_tree& db) {
  std::size_t n = 0;
  for (auto&& kv : db.scan()) {
    (void)kv;
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("lsm::destroy removes a closed tree, tables, WAL and directory", "[tree][destroy]") {
  const std::string dir = temp_path("lsm_destroy_closed");
  make_tree(dir, 3000, 3500);
  {
    const auto before = tree_files(dir);
    REQUIRE(has_suffix(before, ".sst"));
    REQUIRE(has_suffix(before, ".log"));
  }
  SECTION("throwing form") { lsm::destroy(dir); }
  SECTION("error_code form") {
    std::error_code ec = make_error_code(lsm::errc::io_error);
    lsm::destroy(dir, ec);
    CHECK(!ec);
  }
  CHECK_FALSE(fs::exists(dir));
  string_tree db(dir);  // a new, empty tree
  CHECK(count_keys(db) == 0);
  CHECK_FALSE(db.get(key(0)));
  fs::remove_all(dir);
}

TEST_CASE("lsm::destroy of a missing directory is ok and creates nothing", "[tree][destroy]") {
  const std::string dir = temp_path("lsm_destroy_missing");
  std::error_code ec = make_error_code(lsm::errc::io_error);
  lsm::destroy(dir, ec);
  CHECK(!ec);
  CHECK_NOTHROW(lsm::destroy(dir));
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("lsm::destroy is busy while this process has the tree open and changes nothing",
          "[tree][destroy]") {
  const std::string dir = temp_path("lsm_destroy_busy");
  {
    string_tree db(dir);
    for (int i = 0; i < 100; ++i) db.put(key(i), "v");
    db.flush();
    const auto before = tree_files(dir);
    std::error_code ec;
    lsm::destroy(dir, ec);
    CHECK(ec == lsm::errc::busy);
    try {
      lsm::destroy(dir);
      FAIL("destroy of an open tree returned");
    } catch (const lsm::error& e) {
      CHECK(e.code() == lsm::errc::busy);
      CHECK_THAT(e.what(), Catch::Contains(dir + "/LOCK"));
    }
    CHECK(tree_files(dir) == before);
    db.put("after", "destroy");  // the open tree is unharmed
    CHECK(db.get(key(42)) == "v");
    CHECK(db.get("after") == "destroy");
  }
  lsm::destroy(dir);  // closed now
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("lsm::destroy is busy while another process has the tree open", "[tree][destroy]") {
  const std::string dir = temp_path("lsm_destroy_other");
  lsm_test::child_tree child(dir);
  REQUIRE(child.opened());
  std::error_code ec;
  lsm::destroy(dir, ec);
  CHECK(ec == lsm::errc::busy);
  CHECK(fs::exists(dir + "/CURRENT"));
  CHECK(child.release());

  lsm::destroy(dir);  // the child closed it
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("lsm::destroy leaves files that are not the tree's, and so their directory",
          "[tree][destroy]") {
  const std::string dir = temp_path("lsm_destroy_foreign");
  make_tree(dir, 500, 600);
  { std::ofstream(dir + "/notes.txt") << "mine"; }
  { std::ofstream(dir + "/000007.txt") << "mine too"; }
  fs::create_directory(dir + "/sub");
  lsm::destroy(dir);
  CHECK(tree_files(dir).empty());
  CHECK(fs::exists(dir + "/notes.txt"));
  CHECK(fs::exists(dir + "/000007.txt"));
  CHECK(fs::is_directory(dir + "/sub"));
  string_tree db(dir);
  CHECK(count_keys(db) == 0);
  fs::remove_all(dir);
}

TEST_CASE("lsm::destroy refuses an empty path and a path that is a file", "[tree][destroy]") {
  std::error_code ec;
  lsm::destroy("", ec);
  CHECK(ec == lsm::errc::invalid_argument);

  const std::string base = temp_path("lsm_destroy_file");
  fs::create_directories(base);
  const std::string file = base + "/file";
  { std::ofstream(file) << "x"; }
  try {
    lsm::destroy(file);
    FAIL("destroy of a file returned");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::io_error);
    CHECK_THAT(e.what(), Catch::Contains(file));
  }
  CHECK(fs::exists(file));  // not removed
  fs::remove_all(base);
}

TEST_CASE("a destroy cut short opens as an earlier state of the tree or as an empty tree",
          "[tree][destroy]") {
  // The states a crash partway leaves, made by removing what destroy removes
  // in its order: the WALs newest first, then CURRENT, then the rest.
  const std::string dir = temp_path("lsm_destroy_partway");
  make_tree(dir, 2000, 2300);

  SECTION("the WALs gone: the tree as of its last flush") {
    for (const auto& name : tree_files(dir))
      if (has_suffix({name}, ".log")) fs::remove(dir + "/" + name);
    string_tree db(dir);
    CHECK(count_keys(db) == 2000);
    CHECK(db.get(key(1999)) == "table");
    CHECK_FALSE(db.get(key(2000)));
  }
  SECTION("CURRENT gone as well: an empty tree whose open removes the old tables") {
    for (const auto& name : tree_files(dir))
      if (has_suffix({name}, ".log") || name == "CURRENT") fs::remove(dir + "/" + name);
    const auto before = tree_files(dir);
    REQUIRE(has_suffix(before, ".sst"));
    {
      string_tree db(dir);
      CHECK(count_keys(db) == 0);
      db.put("new", "tree");
    }
    for (const auto& name : before)
      if (has_suffix({name}, ".sst")) CHECK_FALSE(fs::exists(dir + "/" + name));
    string_tree db(dir);
    CHECK(count_keys(db) == 1);
    CHECK(db.get("new") == "tree");
  }
  fs::remove_all(dir);
}

TEST_CASE("lsm::destroy on another file system removes the tree's files", "[tree][destroy]") {
  auto mem = std::make_shared<lsm::memory_file_system>();
  lsm::options opts;
  opts.file_system = mem;
  make_tree("/db", 800, 900, opts);
  auto before = mem->get_children("/db");
  REQUIRE(before.ok());
  REQUIRE(before->size() >= 4);
  SECTION("closed") {
    lsm::destroy("/db", opts);
    // The memory file system does not remove directories: the emptied one stays.
    auto after = mem->get_children("/db");
    REQUIRE(after.ok());
    CHECK(after->empty());
    string_tree db("/db", opts);
    CHECK(count_keys(db) == 0);
  }
  SECTION("open") {
    string_tree db("/db", opts);
    std::error_code ec;
    lsm::destroy("/db", opts, ec);
    CHECK(ec == lsm::errc::busy);
    CHECK(count_keys(db) == 900);
  }
}

TEST_CASE("a crash at any point of lsm::destroy leaves the tree, its flushed part or nothing",
          "[tree][destroy][crash]") {
  // Keys 0..999 in tables, 1000..1199 only in the WAL.
  lsm_test::crash::file_map files;
  {
    auto mem = std::make_shared<lsm::memory_file_system>();
    lsm::options opts;
    opts.file_system = mem;
    make_tree("/db", 1000, 1200, opts);
    REQUIRE(lsm_test::crash::read_directory(*mem, "/db", files).ok());
  }
  for (const auto mode : {lsm::crash_mode::keep_unsynced, lsm::crash_mode::drop_unsynced}) {
    std::set<std::size_t> seen;
    for (std::uint64_t k = 0;; ++k) {
      INFO("crash mode " << static_cast<int>(mode) << ", after " << k << " mutations of destroy");
      auto fault = std::make_shared<lsm::fault_injection_file_system>();
      REQUIRE(lsm_test::crash::write_directory_durably(*fault, "/db", files).ok());
      lsm::options opts;
      opts.file_system = fault;
      fault->crash_after_mutations(k);
      std::error_code ec;
      lsm::destroy("/db", opts, ec);
      const bool finished = !ec;
      fault->simulate_crash(mode);
      string_tree db("/db", opts);
      const std::size_t n = count_keys(db);
      CHECK((n == 1200 || n == 1000 || n == 0));
      if (n > 0) CHECK(db.get(key(static_cast<int>(n) - 1)) == (n == 1200 ? "wal" : "table"));
      seen.insert(n);
      if (finished) {
        CHECK(n == 0);
        break;
      }
      REQUIRE(k < 100);
    }
    CHECK(seen == std::set<std::size_t>{0, 1000, 1200});
  }
}

}  // namespace lsm_test_destroy_test
