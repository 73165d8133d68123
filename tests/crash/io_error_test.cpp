// I/O errors: a failed WAL or MANIFEST sync is sticky (every later write
// fails until the tree is reopened), ENOSPC is a clear resource_exhausted
// error naming the file, and a reopen recovers every acknowledged write. A
// flush or compaction that fails while writing its tables runs again after a
// pause and writes go on, until it has failed 9 times in a row on I/O errors
// (a full disk is retried for as long as it lasts).
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <thread>

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

/// Three level-0 tables of keys [0, 300) that overlap, which a compaction
/// must merge (disjoint ones would move down as they are, writing no table).
void write_overlapping_tables(db_type& db) {
  for (int round = 0; round < 3; ++round) {
    write_keys(db, round * 75, round * 75 + 150);
    db.flush();
  }
}

/// put(key, value) must fail for want of space, naming a WAL of the tree,
/// without refusing later writes; `why` says what it needed.
void require_put_fails_for_wal(db_type& db, const std::string& key, const std::string& value,
                               const char* why) {
  try {
    db.put(key, value);
    FAIL("a write that " << why << " was acknowledged");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::resource_exhausted);
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(tree_dir + "/") != std::string::npos);
    CHECK(what.find(".log") != std::string::npos);
    CHECK(what.find("refused until reopen") == std::string::npos);
  }
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

/// flush() once the disk has space again: a flush attempt that began while
/// it was full may still fail (flush() returns the failure of a job that
/// fails while it waits), and the one after it succeeds.
void flush_with_space_back(db_type& db) {
  std::error_code ec;
  for (int i = 0; i < 50; ++i) {
    db.flush(ec);
    if (!ec) return;
    REQUIRE(ec == lsm::errc::resource_exhausted);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("flush() failed 50 times with space back: " << ec.message());
}

/// The table files in the tree's directory.
std::set<std::string> tables_on_disk(lsm::file_system& fs) {
  auto names = fs.get_children(tree_dir);
  REQUIRE(names.ok());
  std::set<std::string> out;
  for (const auto& name : *names)
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0) out.insert(name);
  return out;
}

/// Every table on disk is one the tree's version holds or one of `before`
/// (inputs of a compaction are removed once no reader pins them): a table
/// that a failed job made and left behind is neither.
void require_no_stray_tables(lsm::file_system& fs, db_type& db,
                             const std::set<std::string>& before) {
  std::set<std::string> live;
  const auto v = db.engine().current_version();
  for (const auto& level : v->levels)
    for (const auto& f : level)
      live.insert(lsm::detail::table_file_name(tree_dir, f->number()).substr(tree_dir.size() + 1));
  for (const auto& name : tables_on_disk(fs)) {
    INFO("table " << name);
    REQUIRE((live.count(name) == 1 || before.count(name) == 1));
  }
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
    write_overlapping_tables(db);
    db.wait_for_background_work();
    // The compaction's output: table sync, directory sync, MANIFEST sync.
    fs.fail_after(lsm::fs_operation::sync, 3, EIO);
    std::error_code ec;
    db.compact(ec);
    REQUIRE(ec == lsm::errc::io_error);
    CHECK(db.stats().background_errors == 1);
    fs.clear_faults();
    require_writes_refused(db, lsm::errc::io_error);
    for (int i = 0; i < 300; i += 37) REQUIRE(db.get(key_of(i)) == value_of(i));
  }
  require_recovered(fs, fs_ptr, 300);
}

TEST_CASE(
    "a failed WAL append fails only its write, which names the file: the next write starts "
    "a new WAL, writes go on once there is space, and a reopen drops the torn record",
    "[ioerror]") {
  const auto crash = GENERATE(lsm::crash_mode::keep_unsynced, lsm::crash_mode::drop_unsynced);
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  const std::string big(100 << 10, 'b');  // a record of four fragments
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 80);
    // The second fragment fails: the WAL ends in part of a record.
    fs.fail_after(lsm::fs_operation::write, 2, ENOSPC);
    require_put_fails_for_wal(db, "big", big, "found no space in the WAL");
    write_keys(db, 80, 200);  // into a new WAL
    REQUIRE_FALSE(db.contains("big"));

    // The disk stays full: every write fails, reads go on. (The flush of
    // the first memtable, which the new WAL sent to the queue, ends first: a
    // MANIFEST write that fails is sticky.)
    db.wait_for_background_work();
    fs.fail_after(lsm::fs_operation::write, 1, ENOSPC, true);
    for (int i = 0; i < 3; ++i) {
      std::error_code ec;
      db.put("after" + std::to_string(i), "x", ec);
      REQUIRE(ec == lsm::errc::resource_exhausted);
    }
    REQUIRE(db.get(key_of(150)) == value_of(150));
    // Space comes back: the same tree takes writes.
    fs.clear_faults();
    write_keys(db, 200, 300);
  }
  // A process crash keeps the torn record at the end of the first WAL (and
  // the failed writes' partial records): recovery drops them; a power loss
  // drops what was never synced.
  fs.simulate_crash(crash);
  db_type db(tree_dir, tree_options(fs_ptr));
  for (int i = 0; i < 300; ++i) {
    INFO("key " << key_of(i));
    REQUIRE(db.get(key_of(i)) == value_of(i));
  }
  REQUIRE_FALSE(db.contains("big"));
  for (int i = 0; i < 3; ++i) REQUIRE_FALSE(db.contains("after" + std::to_string(i)));
}

TEST_CASE(
    "a flush whose table write fails is retried after a pause, and the tree takes writes "
    "meanwhile",
    "[ioerror]") {
  const unsigned threads = GENERATE(2u, 1u);  // a flush thread, or one thread for both
  INFO("background threads " << threads);
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    lsm::options o = tree_options(fs_ptr);
    o.background_threads = threads;
    db_type db(tree_dir, o);
    write_keys(db, 0, 200);
    const std::set<std::string> before = tables_on_disk(fs);
    fs.fail_after(lsm::fs_operation::write, 1, EIO);  // the flush's first table write
    try {
      db.flush();
      FAIL("a flush whose table write failed succeeded");
    } catch (const lsm::error& e) {
      CHECK(e.code() == lsm::errc::io_error);
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("flush failed (retried in 100 ms)") != std::string::npos);
      CHECK(what.find(".sst") != std::string::npos);
    }
    write_keys(db, 200, 300);  // not refused
    db.flush();                // the retry (and this memtable's flush) succeed
    db.wait_for_background_work();
    const lsm::stats st = db.stats();
    CHECK(st.background_errors == 1);
    CHECK(st.flushes >= 2);
    for (int i = 0; i < 300; ++i) REQUIRE(db.get(key_of(i)) == value_of(i));
    require_no_stray_tables(fs, db, before);  // the failed attempt's table is gone
  }
  require_recovered(fs, fs_ptr, 300);
}

TEST_CASE(
    "a background compaction whose table sync fails is retried after a pause, and "
    "writes never fail",
    "[ioerror]") {
  const unsigned threads = GENERATE(2u, 1u);
  INFO("background threads " << threads);
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    lsm::options o = tree_options(fs_ptr);
    o.background_threads = threads;
    db_type db(tree_dir, o);
    // The fourth level-0 table starts a compaction (leveled<4>), whose table
    // sync comes after the flush's table, directory and MANIFEST syncs.
    write_overlapping_tables(db);
    write_keys(db, 225, 400);
    fs.fail_after(lsm::fs_operation::sync, 4, EIO);
    db.flush();
    const std::set<std::string> before = tables_on_disk(fs);  // the compaction's inputs
    // Not refused, whether before or after the failure (not synced: a WAL
    // sync would race the compaction's for the fault).
    for (int i = 400; i < 500; ++i) db.put(key_of(i), value_of(i));
    // Until the compaction fails (returning its error) or, if that came
    // first, succeeds.
    std::error_code ec;
    db.wait_for_background_work(ec);
    if (ec) CHECK(ec == lsm::errc::io_error);
    db.wait_for_background_work();
    REQUIRE(fs.injected_fault_count() == 1);
    const lsm::stats st = db.stats();
    CHECK(st.background_errors == 1);
    CHECK(st.compactions >= 1);
    CHECK(st.levels[0].files < 4);
    for (int i = 0; i < 500; ++i) REQUIRE(db.get(key_of(i)) == value_of(i));
    require_no_stray_tables(fs, db, before);
  }
  require_recovered(fs, fs_ptr, 400);  // the ones synced
}

TEST_CASE("a manual compaction whose table write fails returns the error and changes nothing",
          "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_overlapping_tables(db);
    db.wait_for_background_work();
    const std::set<std::string> before = tables_on_disk(fs);
    fs.fail_after(lsm::fs_operation::write, 2, ENOSPC);  // the second block of the output
    std::error_code ec;
    db.compact(ec);
    REQUIRE(ec == lsm::errc::resource_exhausted);
    CHECK(db.stats().compactions == 0);
    CHECK(db.stats().background_errors == 1);
    CHECK(tables_on_disk(fs) == before);  // the failed attempt's table is gone
    write_keys(db, 300, 320);             // not refused
    db.compact();                         // space came back
    CHECK(db.stats().levels[0].files == 0);
    for (int i = 0; i < 320; ++i) REQUIRE(db.get(key_of(i)) == value_of(i));
  }
  require_recovered(fs, fs_ptr, 320);
}

TEST_CASE(
    "a WAL that cannot be created fails only the write that needed it, and writes go on "
    "once it can",
    "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    lsm::options o = tree_options(fs_ptr);
    o.write_buffer_size = 16 << 10;  // a memtable switch every ~250 writes
    db_type db(tree_dir, o);
    write_keys(db, 0, 100);
    db.wait_for_background_work();
    // The next file made is the WAL of the next memtable switch.
    fs.fail_after(lsm::fs_operation::create, 1, ENOSPC, true);
    int acknowledged = 100;
    std::string first_error;
    for (int i = 100; i < 2000; ++i) {
      std::error_code ec;
      db.put(key_of(i), value_of(i), ec);
      if (ec) {
        REQUIRE(ec == lsm::errc::resource_exhausted);
        break;
      }
      acknowledged = i + 1;
    }
    REQUIRE(acknowledged < 2000);  // some write needed a new WAL
    require_put_fails_for_wal(db, key_of(acknowledged), value_of(acknowledged),
                              "needed a WAL the disk had no room for");
    std::error_code ec;
    db.flush(ec);  // a flush needs a new WAL too
    CHECK(ec == lsm::errc::resource_exhausted);
    REQUIRE(db.get(key_of(7)) == value_of(7));  // reads go on
    REQUIRE(db.stats().background_errors == 0);

    // Space comes back: the same tree takes writes again, no reopen.
    fs.clear_faults();
    write_keys(db, acknowledged, 2500);
    db.flush();
    for (int i = 0; i < 2500; i += 41) REQUIRE(db.get(key_of(i)) == value_of(i));
  }
  require_recovered(fs, fs_ptr, 2500);
}

TEST_CASE(
    "a flush that keeps failing on I/O errors refuses every write after its 9th failure in a "
    "row, until reopen",
    "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 100);
    fs.fail_after(lsm::fs_operation::write, 1, EIO, true);  // the device keeps failing
    // Each flush() waits for the next attempt: 8 fail and are retried
    // (pauses of 0.1 to 1 s), the 9th is sticky.
    std::string last;
    int calls = 0;
    while (calls < 20 && last.find("refused until reopen") == std::string::npos) {
      ++calls;
      try {
        db.flush();
        FAIL("a flush on a failing device succeeded");
      } catch (const lsm::error& e) {
        REQUIRE(e.code() == lsm::errc::io_error);
        last = e.what();
      }
    }
    INFO(last);
    CHECK(calls == 9);
    CHECK(last.find("flush failed 9 times in a row") != std::string::npos);
    CHECK(db.stats().background_errors == 9);
    fs.clear_faults();  // the device works again: the tree still refuses
    require_writes_refused(db, lsm::errc::io_error);
    REQUIRE(db.get(key_of(7)) == value_of(7));
  }
  require_recovered(fs, fs_ptr, 100);
}

TEST_CASE("a flush on a full disk is retried each second for as long as it stays full",
          "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 100);
    fs.fail_after(lsm::fs_operation::write, 1, ENOSPC, true);  // the disk stays full
    // Each flush() waits for the next attempt (pauses of 0.1 to 1 s): all
    // fail, none is sticky.
    for (int call = 0; call < 12; ++call) {
      INFO("flush " << call);
      try {
        db.flush();
        FAIL("a flush on a full disk succeeded");
      } catch (const lsm::error& e) {
        REQUIRE(e.code() == lsm::errc::resource_exhausted);
        const std::string what = e.what();
        INFO(what);
        REQUIRE(what.find("refused until reopen") == std::string::npos);
        REQUIRE(what.find("retried in") != std::string::npos);
      }
    }
    CHECK(db.stats().background_errors >= 12);
    REQUIRE(db.get(key_of(7)) == value_of(7));
    fs.clear_faults();  // space came back
    flush_with_space_back(db);
    db.put("after", "space", lsm::write_options{.sync = true});
    REQUIRE(db.get("after") == "space");
  }
  fs.simulate_crash(lsm::crash_mode::drop_unsynced);
  db_type db(tree_dir, tree_options(fs_ptr));
  for (int i = 0; i < 100; ++i) REQUIRE(db.get(key_of(i)) == value_of(i));
  REQUIRE(db.get("after") == "space");
}

TEST_CASE(
    "a tree opens on a full disk, reads what its WALs hold, and takes writes once there is "
    "space",
    "[ioerror]") {
  // create: no new WAL can be made; write: the WAL is made, its level-0
  // tables cannot be written.
  const auto full = GENERATE(lsm::fs_operation::create, lsm::fs_operation::write);
  INFO("failing " << (full == lsm::fs_operation::create ? "file creation" : "appends"));
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 50);
    db.flush();
    write_keys(db, 50, 100);  // in the WAL only
  }
  auto require_keys = [](db_type& db, int n) {
    for (int i = 0; i < n; ++i) {
      INFO("key " << key_of(i));
      REQUIRE(db.get(key_of(i)) == value_of(i));
    }
    int seen = 0;
    for (auto&& [k, v] : db.scan()) seen += k.starts_with("key") ? 1 : 0;
    REQUIRE(seen == n);
  };
  auto wal_count = [&] {
    auto names = fs.get_children(tree_dir);
    REQUIRE(names.ok());
    int n = 0;
    for (const auto& name : *names) n += name.ends_with(".log") ? 1 : 0;
    return n;
  };
  const int wals_before = wal_count();

  // The disk is full at open and stays full: the tree reads, refuses
  // writes for want of space, and closes; nothing on disk changed.
  fs.fail_after(full, 1, ENOSPC, true);
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    require_keys(db, 100);
    require_put_fails_for_wal(db, "after0", "x", "needed a WAL on a full disk");
    require_put_fails_for_wal(db, "after1", "x", "needed a WAL on a full disk");
    REQUIRE(db.get(key_of(99)) == value_of(99));
  }
  REQUIRE(wal_count() >= wals_before);
  fs.clear_faults();
  fs.simulate_crash(lsm::crash_mode::drop_unsynced);

  // Full at open again; space comes back while the tree is open.
  fs.fail_after(full, 1, ENOSPC, true);
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    require_keys(db, 100);
    require_put_fails_for_wal(db, "after0", "x", "needed a WAL on a full disk");
    fs.clear_faults();
    db.put("later", "write", lsm::write_options{.sync = true});
    flush_with_space_back(db);  // the replayed memtables and the new one become tables
    REQUIRE(db.get("later") == "write");
    require_keys(db, 100);
  }
  fs.simulate_crash(lsm::crash_mode::drop_unsynced);
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    require_keys(db, 100);
    REQUIRE(db.get("later") == "write");
    REQUIRE_FALSE(db.contains("after0"));
    REQUIRE_FALSE(db.contains("after1"));
  }
  REQUIRE(wal_count() == 1);  // every WAL but the last one's was flushed and removed
}

TEST_CASE("a tree whose new MANIFEST cannot be started at open opens, and its level-0 tables go",
          "[ioerror]") {
  auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>();
  auto& fs = *fs_ptr;
  std::set<std::string> before;
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    write_keys(db, 0, 50);
    db.flush();
    write_keys(db, 50, 100);  // in the WAL only
  }
  before = tables_on_disk(fs);
  // Recovery makes a WAL (1st file), a level-0 table (2nd) and a MANIFEST
  // (3rd): every file from the 3rd on fails, as on a disk that just filled.
  fs.fail_after(lsm::fs_operation::create, 3, ENOSPC, true);
  {
    db_type db(tree_dir, tree_options(fs_ptr));
    for (int i = 0; i < 100; ++i) REQUIRE(db.get(key_of(i)) == value_of(i));
    CHECK(tables_on_disk(fs) == before);                         // the table recovery made is gone
    db.put("later", "write", lsm::write_options{.sync = true});  // into the new WAL
    std::error_code ec;
    db.flush(ec);  // its next WAL cannot be made
    CHECK(ec == lsm::errc::resource_exhausted);
    fs.clear_faults();
    flush_with_space_back(db);
    REQUIRE(db.get("later") == "write");
    require_no_stray_tables(fs, db, before);
  }
  fs.simulate_crash(lsm::crash_mode::drop_unsynced);
  db_type db(tree_dir, tree_options(fs_ptr));
  for (int i = 0; i < 100; ++i) REQUIRE(db.get(key_of(i)) == value_of(i));
  REQUIRE(db.get("later") == "write");
}

}  // namespace lsm_test_io_error_test
