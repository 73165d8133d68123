// lsm_dump (tools/lsm_dump/dump.hpp): a tree's directory, a table, a WAL and a
// MANIFEST printed as people read them, and a damaged file reported as
// corruption naming it.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>
#include <lsm_dump/dump.hpp>

#include "policy/policy_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_dump_test {

namespace {

using Catch::Contains;

/// The numbered files of one type in dir, as paths.
std::vector<std::string> files_of(lsm::file_system& fs, const std::string& dir,
                                  lsm::detail::file_type wanted) {
  std::vector<std::string> out;
  auto children = fs.get_children(dir);
  REQUIRE(children.ok());
  for (const auto& name : *children) {
    std::uint64_t number = 0;
    lsm::detail::file_type type{};
    if (lsm::detail::parse_file_name(name, number, type) && type == wanted)
      out.push_back(dir + "/" + name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string dump(lsm::file_system& fs, const std::string& path, lsm_dump::settings how = {}) {
  std::ostringstream out;
  const lsm::status s = lsm_dump::dump_path(fs, path, out, how);
  INFO(out.str());
  REQUIRE(s.ok());
  return out.str();
}

/// A tree with one table (two puts, an erase, a range erase) and a WAL
/// holding a batch after it.
std::shared_ptr<lsm::memory_file_system> make_tree() {
  auto fs = std::make_shared<lsm::memory_file_system>();
  lsm::options o;
  o.file_system = fs;
  lsm::tree<std::string, std::string> db("/db", o);
  db.put("apple", "red");
  db.put(std::string("b\0\xff", 3), std::string(100, 'v'));
  db.erase("cherry");
  db.erase_range("m", "p");
  db.flush();
  lsm::tree<std::string, std::string>::batch b;
  b.put("kiwi", "green");
  b.erase("apple");
  db.write(b);
  return fs;
}

}  // namespace

TEST_CASE("lsm_dump prints a tree's levels, a table's entries, a WAL's batches and the edits",
          "[tools]") {
  auto fs = make_tree();
  const std::string tree = dump(*fs, "/db");
  CHECK_THAT(tree, Contains("tree /db: CURRENT names MANIFEST-"));
  CHECK_THAT(tree, Contains("comparator 'lsm.bytewise'"));
  CHECK_THAT(tree, Contains("level 0: 1 file, "));
  CHECK_THAT(tree, Contains("3 entries ['apple' @1:1 .. 'p' @"));  // the range erase's end
  CHECK_THAT(tree, Contains(".log: "));

  const auto tables = files_of(*fs, "/db", lsm::detail::file_type::table);
  REQUIRE(tables.size() == 1);
  const std::string table = dump(*fs, tables[0]);
  CHECK_THAT(table, Contains("3 entries (1 erases), 1 range erases, seq 1..4"));
  CHECK_THAT(table, Contains("  'apple' @1 put 'red'\n"));
  CHECK_THAT(
      table,
      Contains("  'b\\x00\\xff' @2 put 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv'... (100 bytes)\n"));
  CHECK_THAT(table, Contains("  'cherry' @3 erase\n"));
  CHECK_THAT(table, Contains("  erase_range ['m', 'p') @4\n"));
  lsm_dump::settings whole;
  whole.max_value_bytes = 0;
  CHECK_THAT(dump(*fs, tables[0], whole), Contains("put '" + std::string(100, 'v') + "'\n"));

  const auto logs = files_of(*fs, "/db", lsm::detail::file_type::log);
  REQUIRE(!logs.empty());
  const std::string wal = dump(*fs, logs.back());
  CHECK_THAT(wal, Contains("batch at offset 0: seq 5, 2 updates\n"));
  CHECK_THAT(wal, Contains("    @5 put 'kiwi' 'green'\n    @6 erase 'apple'\n"));
  CHECK_THAT(wal, Contains("1 batches, 2 updates\n"));

  const auto manifests = files_of(*fs, "/db", lsm::detail::file_type::manifest);
  REQUIRE(manifests.size() == 1);
  const std::string edits = dump(*fs, manifests[0]);
  CHECK_THAT(edits, Contains("edit at offset 0: version_edit {"));
  CHECK_THAT(edits, Contains("new_file: level 0 #"));
}

TEST_CASE("lsm_dump reads a table written in another key order", "[tools]") {
  auto fs = std::make_shared<lsm::memory_file_system>();
  lsm::options o;
  o.file_system = fs;
  {
    lsm::tree<std::string, std::string, lsm_test::descending_codec> db("/desc", o);
    db.put("a", "first in bytes");
    db.put("z", "first in this order");
    db.flush();
  }
  const auto tables = files_of(*fs, "/desc", lsm::detail::file_type::table);
  REQUIRE(tables.size() == 1);
  const std::string table = dump(*fs, tables[0]);
  CHECK_THAT(table, Contains("comparator 'test.descending(string,string).compare'"));
  // In the file's (descending) order, as written.
  CHECK_THAT(table,
             Contains("  'z' @2 put 'first in this order'\n  'a' @1 put 'first in bytes'\n"));
}

TEST_CASE("lsm_dump reports a damaged table or an unknown path as an error naming it", "[tools]") {
  auto fs = make_tree();
  const auto tables = files_of(*fs, "/db", lsm::detail::file_type::table);
  REQUIRE(tables.size() == 1);
  std::string bytes;
  REQUIRE(lsm::read_file_to_string(*fs, tables[0], bytes).ok());
  bytes[bytes.size() - 10] = static_cast<char>(bytes[bytes.size() - 10] ^ 0x01);  // the footer
  REQUIRE(lsm::write_string_to_file(*fs, bytes, tables[0], true).ok());
  std::ostringstream out;
  lsm::status s = lsm_dump::dump_path(*fs, tables[0], out);
  CHECK(s.is(lsm::errc::corruption));
  CHECK_THAT(s.message(), Contains(tables[0]));

  s = lsm_dump::dump_path(*fs, "/db/LOCK", out);
  CHECK(s.is(lsm::errc::invalid_argument));
  CHECK_THAT(s.message(), Contains("/db/LOCK: expected a tree's directory"));
}

TEST_CASE("lsm_dump reads a tree on the POSIX file system", "[tools]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lsm_dump_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    lsm::tree<std::string, std::string> db(dir.string());
    db.put("key", "value");
    db.flush();
  }
  lsm::posix_file_system fs;
  const std::string tree = dump(fs, dir.string());
  CHECK_THAT(tree, Contains("level 0: 1 file"));
  CHECK_THAT(tree, Contains("1 entries ['key' @1:1 .. 'key' @1:1]"));
  std::filesystem::remove_all(dir);
}

}  // namespace lsm_test_dump_test
