// I/O errors: a failed WAL or MANIFEST sync is sticky (every later write
// fails until the tree is reopened), ENOSPC is a clear resource_exhausted
// error naming the file, and a reopen recovers every acknowledged write.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_io_error_test {

namespace {

using db_type = lsm::tree<std::string, std::string>;

const std::string tree_dir = "/db";

lsm::options tree_options(std::shared_ptr<lsm::file_system> fs) {
  lsm::options o;
  o.file_system = std::move(fs);
  o.write_buffer_size = 1 << 20;  // flushes only when asked
  o.block_size = 512;
  return o;
}

std::string key_of(int i) { return "key" + std::to_string(1000 + i); }
std::string value_of(int i) { return "value" + std::to_string(i) + std::string(40, 'v'); }

/// Writes keys [first, last), the last one synced.
void write_keys(db_type& db, int first, int last) {
  for (int i = first; i < last; ++i)
    db.put(key_of(i), value_of(i), lsm::write_options{.sync = i + 1 == last});
}

/// Every later write fails, with the error of the first failure.
void require_writes_refused(db_type& db, lsm::errc code) {
  for (int i = 0; i < 3; ++i) {
    std::error_code ec;
    db.put("after" + std::to_string(i), "x", ec);
    REQUIRE(ec == code);
    db.erase(key_of(i), ec);
    REQUIRE(ec == code);
  }
  std::error_code ec;
  db.flush(ec);
  REQUIRE(ec);
}

/// Reopens after a power loss (drop_unsynced) and checks keys [0, n) and
/// that no refused write appeared.
void require_recovered(lsm::fault_injection_file_system& fs,
                       const std::shared_ptr<lsm::file_system>& fs_ptr, int n) {
  fs.clear_faults();
  fs.simulate_crash(lsm::crash_mode::drop_unsynced);
  db_type db(tree_dir, tree_options(fs_ptr));
  for (int i = 0; i < n; ++i) {
    INFO("key " << key_of(i));
    REQUIRE(db.get(key_of(i)) == value_of(i));
  }
  REQUIRE_FALSE(db.contains("after0"));
  db.put("new", "write");  // writable again
  REQUIRE(db.get("new") == "write");
}

}  // namespace

TEST_CASE(
    "a failed WAL sync refuses every later write until reopen, which keeps every "
    "acknowledged write",
    "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 50);
    fs.fail_after(lsm::fs_operation::sync, 1, EIO);
    try {
      db.put("failed", "sync", lsm::write_options{.sync = true});
      FAIL("the write whose WAL sync failed was acknowledged");
    } catch (const lsm::error& e) {
      CHECK(e.code() == lsm::errc::io_error);
      CHECK(std::string(e.what()).find(".log") != std::string::npos);
    }
    fs.clear_faults();  // the file system works again: the tree must still refuse
    require_writes_refused(db, lsm::errc::io_error);
    REQUIRE(db.get(key_of(7)) == value_of(7));  // reads still work
  }
  require_recovered(fs, fs_ptr, 50);
}

TEST_CASE("a failed MANIFEST sync during a flush refuses every later write until reopen",
          "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 200);
    // A flush syncs the table, then the directory, then the MANIFEST.
    fs.fail_after(lsm::fs_operation::sync, 3, EIO);
    try {
      db.flush();
      FAIL("a flush whose MANIFEST sync failed succeeded");
    } catch (const lsm::error& e) {
      CHECK(e.code() == lsm::errc::io_error);
      CHECK(std::string(e.what()).find("MANIFEST") != std::string::npos);
    }
    fs.clear_faults();
    require_writes_refused(db, lsm::errc::io_error);
  }
  require_recovered(fs, fs_ptr, 200);
}

TEST_CASE("a failed MANIFEST sync during a compaction refuses every later write until reopen",
          "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    // Overlapping flushes, which a compaction must merge (disjoint ones
    // would move down as they are, writing no table).
    for (int round = 0; round < 3; ++round) {
      write_keys(db, round * 75, round * 75 + 150);
      db.flush();
    }
    db.wait_for_background_work();
    // The compaction's output: table sync, directory sync, MANIFEST sync.
    fs.fail_after(lsm::fs_operation::sync, 3, EIO);
    std::error_code ec;
    db.compact(ec);
    REQUIRE(ec == lsm::errc::io_error);
    fs.clear_faults();
    require_writes_refused(db, lsm::errc::io_error);
    for (int i = 0; i < 300; i += 37) REQUIRE(db.get(key_of(i)) == value_of(i));
  }
  require_recovered(fs, fs_ptr, 300);
}

TEST_CASE(
    "ENOSPC on a WAL write is resource_exhausted naming the file, and a reopen after "
    "space returns keeps every acknowledged write",
    "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 80);
    fs.fail_after(lsm::fs_operation::write, 1, ENOSPC, true);
    try {
      db.put("no", "space");
      FAIL("a write that found no space was acknowledged");
    } catch (const lsm::error& e) {
      CHECK(e.code() == lsm::errc::resource_exhausted);
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find(tree_dir + "/") != std::string::npos);
      CHECK(what.find(".log") != std::string::npos);
    }
    require_writes_refused(db, lsm::errc::resource_exhausted);
  }
  require_recovered(fs, fs_ptr, 80);
}

}  // namespace lsm_test_io_error_test
