// lsm::tree::repair: rebuilds a tree whose CURRENT or MANIFEST is lost or
// damaged from its tables and WALs, moves damaged tables to lost/, keeps a
// damaged WAL's records up to the damage, refuses other types without
// changing anything, and can be cut short by a crash at any point and run
// again.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "support/crash_util.hpp"
#include "support/contents.hpp"
#include "support/keys.hpp"
#include "support/temp_path.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_repair_test {

namespace {

namespace fs = std::filesystem;
using string_tree = lsm::tree<std::string, std::string>;
using model = lsm_test::string_model;
using lsm_test::contents;
using lsm_test::key;
using lsm_test::temp_path;

lsm::options small_options() {
  lsm::options opts;
  opts.write_buffer_size = 64 << 10;  // many tables, several levels
  opts.target_file_size = 32 << 10;
  return opts;
}

/// Fills a tree (tables in several levels with overwrites, erases and a
/// range erase, then `tail` puts of their own keys only in the WAL) and
/// closes it; returns what it holds. `history` gets every value ever put
/// for each key.
model fill(const std::string& dir, const lsm::options& opts, int tail = 300,
           std::map<std::string, std::set<std::string>>* history = nullptr) {
  model m;
  string_tree db(dir, opts);
  auto put = [&](const std::string& k, const std::string& v) {
    db.put(k, v);
    m[k] = v;
    if (history) (*history)[k].insert(v);
  };
  for (int i = 0; i < 4000; ++i) put(key(i), "first-" + std::to_string(i) + std::string(60, 'a'));
  db.compact();
  for (int i = 0; i < 4000; i += 3) put(key(i), "second-" + std::to_string(i));
  for (int i = 1; i < 4000; i += 7) {
    db.erase(key(i));
    m.erase(key(i));
  }
  db.erase_range(key(1000), key(1500));
  m.erase(m.lower_bound(key(1000)), m.lower_bound(key(1500)));
  db.flush();
  for (int i = 0; i < tail; ++i) put("tail" + key(i), "wal-" + std::to_string(i));
  return m;
}

/// The keys where a and b differ, for failure messages.
std::string diff(const model& a, const model& b) {
  std::string out;
  int n = 0;
  for (const auto& [k, v] : a)
    if (!b.count(k) || b.at(k) != v) out += " -" + k + "=" + v, ++n;
  for (const auto& [k, v] : b)
    if (!a.count(k)) out += " +" + k + "=" + v, ++n;
  return std::to_string(n) + " keys differ:" + out.substr(0, 600);
}

std::vector<std::string> files_with(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(e.path().string());
  }
  return out;
}

void flip(const std::string& path, std::uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x10));
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::map<std::string, std::string> snapshot_files(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    files[e.path().filename().string()] = read_all(e.path().string());
  return files;
}

/// A fault-injection file system holding `files` in /db, durably.
std::shared_ptr<lsm::fault_injection_file_system> durable_copy(
    const lsm_test::crash::file_map& files) {
  auto fault = std::make_shared<lsm::fault_injection_file_system>();
  REQUIRE(lsm_test::crash::write_directory_durably(*fault, "/db", files).ok());
  return fault;
}

/// The files of a filled tree in /db without its CURRENT, and what it holds.
void filled_without_current(lsm_test::crash::file_map& files, model& expected) {
  auto mem = std::make_shared<lsm::memory_file_system>();
  lsm::options opts = small_options();
  opts.file_system = mem;
  expected = fill("/db", opts, 200);
  REQUIRE(mem->remove_file("/db/CURRENT").ok());
  REQUIRE(lsm_test::crash::read_directory(*mem, "/db", files).ok());
}

}  // namespace

TEST_CASE("repair rebuilds a tree whose CURRENT is lost", "[tree][repair]") {
  const std::string dir = temp_path("lsm_repair_current");
  const auto opts = small_options();
  const model expected = fill(dir, opts);
  REQUIRE(files_with(dir, ".sst").size() > 5);
  fs::remove(dir + "/CURRENT");

  SECTION("throwing form") { string_tree::repair(dir, opts); }
  SECTION("error_code form") {
    std::error_code ec = make_error_code(lsm::errc::io_error);
    string_tree::repair(dir, opts, ec);
    CHECK(!ec);
  }
  string_tree db(dir, opts);
  CHECK(contents(db) == expected);
  const lsm::stats s = db.stats();
  CHECK(s.levels.at(0).files == 0);  // merged into order
  db.verify_checksums();
  CHECK_FALSE(fs::exists(dir + "/lost"));
  fs::remove_all(dir);
}

TEST_CASE("repair rebuilds a tree whose MANIFEST is damaged", "[tree][repair]") {
  const std::string dir = temp_path("lsm_repair_manifest");
  const auto opts = small_options();
  const model expected = fill(dir, opts);
  const auto manifests = files_with(dir, "");
  std::string manifest;
  for (const auto& p : manifests)
    if (fs::path(p).filename().string().rfind("MANIFEST-", 0) == 0) manifest = p;
  REQUIRE(!manifest.empty());
  flip(manifest, 20);
  std::error_code ec;
  { string_tree broken(dir, opts, ec); }
  REQUIRE(ec == lsm::errc::corruption);

  string_tree::repair(dir, opts);
  string_tree db(dir, opts);
  CHECK(contents(db) == expected);
  db.put("after", "repair");
  CHECK(db.get("after") == "repair");
  fs::remove_all(dir);
}

TEST_CASE("repair moves a damaged table to lost and keeps every other entry", "[tree][repair]") {
  const std::string dir = temp_path("lsm_repair_table");
  const auto opts = small_options();
  std::map<std::string, std::set<std::string>> history;
  const model expected = fill(dir, opts, 300, &history);
  auto tables = files_with(dir, ".sst");
  REQUIRE(tables.size() > 5);
  std::sort(tables.begin(), tables.end());
  const std::string damaged = tables[tables.size() / 2];
  flip(damaged, 100);  // in its first data block
  SECTION("with its MANIFEST, which repair follows") {}
  SECTION("without CURRENT, every table counts") { fs::remove(dir + "/CURRENT"); }

  string_tree::repair(dir, opts);
  const std::string name = fs::path(damaged).filename().string();
  CHECK(fs::exists(dir + "/lost/" + name));
  CHECK_FALSE(fs::exists(damaged));

  string_tree db(dir, opts);
  db.verify_checksums();
  const model got = contents(db);
  std::size_t same = 0;
  for (const auto& [k, v] : got) {
    INFO(k << " = " << v);
    REQUIRE(history.count(k) == 1);      // no key that was never written
    CHECK(history.at(k).count(v) == 1);  // and a value written for it
    if (expected.count(k) && expected.at(k) == v) ++same;
  }
  CHECK(same > expected.size() * 8 / 10);  // one table of many is lost
  for (int i = 0; i < 300; ++i)            // the WAL's writes are all there
    CHECK(db.get("tail" + key(i)) == "wal-" + std::to_string(i));
  fs::remove_all(dir);
}

TEST_CASE("repair follows a MANIFEST that reads whole: a table it no longer lists stays out",
          "[tree][repair]") {
  // A compaction's input left behind (a crash before its deletion): it
  // holds a key erased since, which must not come back.
  const std::string dir = temp_path("lsm_repair_obsolete");
  std::string old_table, old_bytes;
  {
    string_tree db(dir);
    db.put("erased", "old value");
    db.put("kept", "value");
    db.flush();
    const auto tables = files_with(dir, ".sst");
    REQUIRE(tables.size() == 1);
    old_table = tables[0];
    old_bytes = read_all(old_table);
    db.erase("erased");
    db.compact();
    REQUIRE_FALSE(fs::exists(old_table));
  }
  { std::ofstream(old_table, std::ios::binary) << old_bytes; }
  string_tree::repair(dir);
  string_tree db(dir);
  CHECK_FALSE(db.get("erased"));
  CHECK(db.get("kept") == "value");
  CHECK_FALSE(fs::exists(old_table));  // removed as unreferenced
  fs::remove_all(dir);
}

TEST_CASE("repair keeps a damaged WAL's records up to the damage", "[tree][repair]") {
  const std::string dir = temp_path("lsm_repair_wal");
  const auto opts = small_options();
  const model expected = fill(dir, opts, 600);
  auto logs = files_with(dir, ".log");
  REQUIRE(logs.size() == 1);
  const std::string wal = read_all(logs[0]);
  std::size_t used = wal.size();
  while (used > 0 && wal[used - 1] == '\0') --used;  // past the end: reserved zeros
  REQUIRE(used > 10000);
  flip(logs[0], used / 2);
  std::error_code ec;
  { string_tree broken(dir, opts, ec); }
  REQUIRE(ec == lsm::errc::corruption);

  string_tree::repair(dir, opts);
  string_tree db(dir, opts);
  const model got = contents(db);
  int kept = 0;
  while (kept < 600 && got.count("tail" + key(kept))) ++kept;
  CHECK(kept > 0);
  CHECK(kept < 600);
  for (const auto& [k, v] : expected) {
    INFO(k);
    if (k.rfind("tail", 0) != 0) {
      CHECK(got.count(k) == 1);  // every table entry
      if (got.count(k)) CHECK(got.at(k) == v);
    } else if (std::stoi(k.substr(5)) < kept) {
      CHECK(got.at(k) == v);  // the WAL up to the damage
    } else {
      CHECK(got.count(k) == 0);  // nothing from the damage on
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("repair of a tree of other types is invalid_argument and changes nothing",
          "[tree][repair]") {
  const std::string dir = temp_path("lsm_repair_types");
  const auto opts = small_options();
  const model expected = fill(dir, opts, 50);
  fs::remove(dir + "/CURRENT");
  const auto before = snapshot_files(dir);
  std::error_code ec;
  lsm::tree<std::uint64_t, std::string>::repair(dir, opts, ec);
  CHECK(ec == lsm::errc::invalid_argument);
  try {
    lsm::tree<std::uint64_t, std::string>::repair(dir, opts);
    FAIL("repair with other types returned");
  } catch (const lsm::error& e) {
    CHECK_THAT(e.what(), Catch::Contains(".sst") && Catch::Contains("codec"));
  }
  auto after = snapshot_files(dir);
  after.erase("LOCK");  // the lock file, created empty if it was missing
  auto before_no_lock = before;
  before_no_lock.erase("LOCK");
  CHECK(after == before_no_lock);

  string_tree::repair(dir, opts);  // the right types
  string_tree db(dir, opts);
  CHECK(contents(db) == expected);
  fs::remove_all(dir);
}

TEST_CASE("repair is busy while the tree is open, and refuses a directory with no tree",
          "[tree][repair]") {
  const std::string dir = temp_path("lsm_repair_busy");
  std::error_code ec;
  {
    string_tree db(dir);
    db.put("a", "b");
    string_tree::repair(dir, ec);
    CHECK(ec == lsm::errc::busy);
    CHECK(db.get("a") == "b");
  }
  string_tree::repair(dir, ec);
  CHECK(!ec);
  {
    string_tree db(dir);
    CHECK(db.get("a") == "b");
  }
  fs::remove_all(dir);

  string_tree::repair(dir, ec);  // missing
  CHECK(ec == lsm::errc::invalid_argument);
  CHECK_FALSE(fs::exists(dir));
  fs::create_directories(dir);  // empty
  string_tree::repair(dir, ec);
  CHECK(ec == lsm::errc::invalid_argument);
  fs::remove_all(dir);
}

TEST_CASE("a repair cut short by a crash at any point can be run again and loses nothing",
          "[tree][repair][crash]") {
  lsm_test::crash::file_map files;
  model expected;
  filled_without_current(files, expected);
  lsm::options opts = small_options();
  // How many mutations a whole repair makes.
  std::uint64_t total = 0;
  {
    auto fault = durable_copy(files);
    opts.file_system = fault;
    const std::uint64_t start = fault->mutation_count();
    string_tree::repair("/db", opts);
    total = fault->mutation_count() - start;
  }
  REQUIRE(total > 10);
  std::vector<std::uint64_t> points;  // about 60 crash points, both ends included
  for (std::uint64_t k = 0; k < total; k += total / 60 + 1) points.push_back(k);
  points.push_back(total);
  for (const auto mode : {lsm::crash_mode::keep_unsynced, lsm::crash_mode::drop_unsynced}) {
    for (const std::uint64_t k : points) {
      INFO("crash mode " << static_cast<int>(mode) << " after " << k << " of " << total
                         << " mutations");
      auto fault = durable_copy(files);
      opts.file_system = fault;
      fault->crash_after_mutations(k);
      std::error_code ec;
      string_tree::repair("/db", opts, ec);
      fault->simulate_crash(mode);
      string_tree::repair("/db", opts, ec);
      REQUIRE(!ec);
      string_tree db("/db", opts);
      const model got = contents(db);
      INFO(diff(expected, got));
      CHECK(got == expected);
    }
  }
}

TEST_CASE("a repair that runs out of space fails, changes nothing it needs, and runs again",
          "[tree][repair]") {
  lsm_test::crash::file_map files;
  model expected;
  filled_without_current(files, expected);
  lsm::options opts = small_options();
  std::size_t failed = 0;
  const std::uint64_t first_failures[] = {1, 2, 5, 20, 50, 100, 200};
  for (const std::uint64_t n : first_failures) {
    INFO("the " << n << "th write and every later one fail with ENOSPC");
    auto fault = durable_copy(files);
    opts.file_system = fault;
    fault->fail_after(lsm::fs_operation::write, n, ENOSPC, true);
    std::error_code ec;
    string_tree::repair("/db", opts, ec);
    if (ec) {
      CHECK(ec == lsm::errc::resource_exhausted);
      ++failed;
    }
    fault->clear_faults();
    string_tree::repair("/db", opts, ec);
    REQUIRE(!ec);
    string_tree db("/db", opts);
    const model got = contents(db);
    INFO(diff(expected, got));
    CHECK(got == expected);
  }
  CHECK(failed > 3);
}

TEST_CASE("a WAL batch past the 56-bit sequence numbers is corruption, and repair stops there",
          "[tree][repair]") {
  auto mem = std::make_shared<lsm::memory_file_system>();
  lsm::options opts;
  opts.file_system = mem;
  { string_tree("/db", opts).put("a", "1"); }
  {
    using codec = lsm::codec<std::string, std::string>;
    auto file = mem->new_writable_file("/db/900000.log");
    REQUIRE(file.ok());
    lsm::detail::wal::writer log(**file);
    auto record = [&](const std::string& k, const std::string& v, lsm::sequence_number seq) {
      std::string key, value;
      codec::encode_key(k, key);
      codec::encode_value(v, value);
      lsm::detail::write_batch b;
      b.put(key, value);
      b.put(key + "2", value);
      b.set_sequence(seq);
      REQUIRE(log.add_record(b.contents()).ok());
    };
    record("b", "2", 10);
    record("c", "3", lsm::max_sequence_number);  // its second entry is one too far
    REQUIRE((*file)->close().ok());
  }
  std::error_code ec;
  { string_tree broken("/db", opts, ec); }
  CHECK(ec == lsm::errc::corruption);
  try {
    string_tree broken("/db", opts);
  } catch (const lsm::error& e) {
    CHECK_THAT(e.what(), Catch::Contains("900000.log") && Catch::Contains("sequence"));
  }
  string_tree::repair("/db", opts);
  string_tree db("/db", opts);
  CHECK(db.get("a") == "1");
  CHECK(db.get("b") == "2");
  CHECK_FALSE(db.get("c"));
  db.put("d", "4");  // sequence numbers go on from the largest kept
  CHECK(db.get("d") == "4");
}

}  // namespace lsm_test_repair_test
