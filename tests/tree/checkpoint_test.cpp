// tree::checkpoint: a consistent copy of an open tree in a new directory. It
// opens as the tree was when the call began (every write that returned before
// it, nothing lost to a crash once it returned), the tree goes on meanwhile,
// its tables are links where the file system links, and a checkpoint cut
// short by a crash has no CURRENT while the tree itself is unharmed.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/contents.hpp"
#include "support/keys.hpp"
#include "support/temp_path.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_checkpoint_test {

namespace {

namespace fs = std::filesystem;
using string_tree = lsm::tree<std::string, std::string>;
using model = lsm_test::string_model;
using lsm_test::contents;

using lsm_test::key;
using lsm_test::temp_path;

/// Keys [0, n) in tables (compacted), a third of the middle third
/// overwritten, a range deletion, then keys [5n/6, 7n/6) and a point deletion
/// only in the memtable and WAL; `m` follows along.
void fill(string_tree& db, model& m, int n = 3000) {
  for (int i = 0; i < n; ++i) {
    db.put(key(i), "old" + std::to_string(i));
    m[key(i)] = "old" + std::to_string(i);
  }
  db.compact();
  for (int i = n / 3; i < 2 * n / 3; i += 3) {
    db.put(key(i), "new");
    m[key(i)] = "new";
  }
  db.erase_range(key(n / 30), key(n / 15));
  m.erase(m.lower_bound(key(n / 30)), m.lower_bound(key(n / 15)));
  db.flush();
  for (int i = 5 * n / 6; i < 7 * n / 6; ++i) {
    db.put(key(i), "wal");
    m[key(i)] = "wal";
  }
  db.erase(key(7));
  m.erase(key(7));
}

std::size_t sst_count(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".sst";
  return n;
}

}  // namespace

TEST_CASE("a checkpoint opens as the tree was, and the tree goes on apart from it",
          "[tree][checkpoint]") {
  const std::string dir = temp_path("lsm_checkpoint_tree");
  const std::string cp = temp_path("lsm_checkpoint_copy");
  model m;
  {
    string_tree db(dir);
    fill(db, m);
    db.checkpoint(cp);
    REQUIRE(fs::exists(cp + "/CURRENT"));
    REQUIRE(sst_count(cp) > 0);
    // Same file system: each table is a second name of the tree's file.
    for (const auto& e : fs::directory_iterator(cp))
      if (e.path().extension() == ".sst") CHECK(fs::hard_link_count(e.path()) == 2);

    // The tree goes on: new writes, a full compaction that deletes the
    // tables the checkpoint links to.
    for (int i = 0; i < 500; ++i) db.put(key(i), "later");
    db.erase_range(key(0), key(3500));
    db.compact();
    CHECK(contents(db).empty());
  }
  {
    string_tree copy(cp);
    CHECK(contents(copy) == m);
    CHECK(copy.get(key(1000)) == "new");
    CHECK(copy.get(key(1001)) == "old1001");
    CHECK_FALSE(copy.get(key(150)));
    CHECK_FALSE(copy.get(key(7)));
    copy.verify_checksums();
    // A checkpoint is a tree of its own: it takes writes and compacts.
    copy.put("after", "checkpoint");
    copy.compact();
    CHECK(copy.get("after") == "checkpoint");
  }
  {
    string_tree copy(cp);  // and reopens with them
    CHECK(copy.get("after") == "checkpoint");
    CHECK(copy.get(key(3499)) == "wal");
  }
  {
    string_tree db(dir);
    CHECK(contents(db).empty());
  }
  fs::remove_all(dir);
  fs::remove_all(cp);
}

TEST_CASE("a checkpoint of an empty tree opens empty", "[tree][checkpoint]") {
  const std::string dir = temp_path("lsm_checkpoint_empty");
  const std::string cp = temp_path("lsm_checkpoint_empty_copy");
  {
    string_tree db(dir);
    db.checkpoint(cp + "//");  // the directory cp
  }
  {
    string_tree copy(cp);
    CHECK(contents(copy).empty());
    copy.put("a", "b");
  }
  string_tree copy(cp);
  CHECK(copy.get("a") == "b");
  fs::remove_all(dir);
  fs::remove_all(cp);
}

TEST_CASE("a checkpoint into a directory that exists is invalid_argument and writes nothing",
          "[tree][checkpoint]") {
  const std::string dir = temp_path("lsm_checkpoint_exists");
  const std::string cp = temp_path("lsm_checkpoint_exists_copy");
  fs::create_directories(cp);
  string_tree db(dir);
  db.put("k", "v");
  std::error_code ec;
  db.checkpoint(cp, ec);
  CHECK(ec == lsm::errc::invalid_argument);
  CHECK(fs::is_empty(cp));
  try {
    db.checkpoint(cp);
    FAIL("checkpoint into an existing directory returned");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains(cp));
  }
  db.checkpoint("", ec);
  CHECK(ec == lsm::errc::invalid_argument);
  db.checkpoint(dir, ec);  // the tree's own directory
  CHECK(ec == lsm::errc::invalid_argument);
  CHECK(db.get("k") == "v");
  fs::remove_all(dir);
  fs::remove_all(cp);
}

TEST_CASE("a checkpoint taken under a stream of writes holds every write that returned before it",
          "[tree][checkpoint][concurrency]") {
  const std::string dir = temp_path("lsm_checkpoint_busy");
  lsm::options opts;
  opts.write_buffer_size = 64 << 10;  // flushes and compactions meanwhile
  string_tree db(dir, opts);
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop && i < 300000; ++i) {  // keys up to "k299999" sort by number
      db.put(key(i), std::string(100, 'v'));
      acked = i + 1;
    }
  });
  std::vector<std::pair<std::string, int>> taken;
  for (int round = 0; round < 3; ++round) {
    while (acked < 2000 * (round + 1)) std::this_thread::yield();
    const std::string cp = temp_path("lsm_checkpoint_busy_copy" + std::to_string(round));
    const int before = acked;
    db.checkpoint(cp);
    taken.emplace_back(cp, before);
  }
  stop = true;
  writer.join();
  for (const auto& [cp, before] : taken) {
    INFO(cp << ": " << before << " writes had returned before the checkpoint began");
    string_tree copy(cp);
    // Keys 0..n-1, each exactly once: a prefix of the writer's stream.
    int n = 0;
    for (auto&& [k, v] : copy.scan()) {
      REQUIRE(k == key(n));
      CHECK(v.size() == 100);
      ++n;
    }
    CHECK(n >= before);
    fs::remove_all(cp);
  }
  fs::remove_all(dir);
}

TEST_CASE(
    "a crash at any point of a checkpoint leaves the tree whole, and the copy whole or without "
    "CURRENT",
    "[tree][checkpoint][crash]") {
  for (const auto mode : {lsm::crash_mode::keep_unsynced, lsm::crash_mode::drop_unsynced}) {
    bool finished = false;
    bool cut_short = false;  // some crash left a copy without CURRENT
    for (std::uint64_t k = 0; !finished; ++k) {
      INFO("crash mode " << static_cast<int>(mode) << ", after " << k
                         << " mutations of the checkpoint");
      auto fault = std::make_shared<lsm::fault_injection_file_system>();
      lsm::options opts;
      opts.file_system = fault;
      model m;
      {
        string_tree db("/db", opts);
        fill(db, m, 300);
        db.put("synced", "last", lsm::write_options{true});  // the WAL up to here is durable
        m["synced"] = "last";
        fault->crash_after_mutations(k);
        std::error_code ec;
        db.checkpoint("/cp", ec);
        finished = !ec;
        fault->simulate_crash(mode);
      }
      {
        string_tree db("/db", opts);
        CHECK(contents(db) == m);
      }
      if (finished) REQUIRE(fault->file_exists("/cp/CURRENT"));
      if (fault->file_exists("/cp/CURRENT")) {
        string_tree copy("/cp", opts);
        CHECK(contents(copy) == m);
      } else {
        cut_short |= fault->file_exists("/cp");
      }
      REQUIRE(k < 400);
    }
    // After a power loss the copy is gone until its parent directory is
    // synced, which is the checkpoint's last step.
    if (mode == lsm::crash_mode::keep_unsynced) CHECK(cut_short);
  }
}

TEST_CASE("a checkpoint on a file system without links copies the tables", "[tree][checkpoint]") {
  auto mem = std::make_shared<lsm::memory_file_system>();
  lsm::options opts;
  opts.file_system = mem;
  model m;
  {
    string_tree db("/db", opts);
    fill(db, m);
    db.checkpoint("/cp");
    // A copy, not a second name: a full rewrite of the tree leaves the
    // copy's tables as they were.
    db.erase_range(key(0), key(3500));
    db.compact();
  }
  string_tree copy("/cp", opts);
  CHECK(contents(copy) == m);
  copy.verify_checksums();
}

}  // namespace lsm_test_checkpoint_test
