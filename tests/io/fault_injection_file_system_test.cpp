// The fault-injecting file system loses exactly what a power loss loses,
// fails the operations it is told to, and freezes at a chosen mutation so a
// test can enumerate every crash state of a workload.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_fault_injection_file_system_test {

namespace {

using lsm::crash_mode;
using lsm::fault_injection_file_system;
using op = lsm::fault_injection_file_system::operation;

std::uint64_t test_seed() {
  if (const char* env = std::getenv("LSM_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

std::string read_all(lsm::file_system& fs, const std::string& path) {
  std::string out;
  const lsm::status s = lsm::read_file_to_string(fs, path, out);
  INFO(s.to_string());
  REQUIRE(s.ok());
  return out;
}

/// A file system with the durable directory "/db".
std::unique_ptr<fault_injection_file_system> make_fs(std::uint64_t seed = 1) {
  auto fs = std::make_unique<fault_injection_file_system>(seed);
  REQUIRE(fs->create_dir("/db").ok());
  REQUIRE(fs->sync_dir("/").ok());
  return fs;
}

/// Writes a file, syncs it when asked, and makes its name durable when asked.
void put_file(lsm::file_system& fs, const std::string& path, const std::string& data, bool sync,
              bool sync_dir) {
  auto w = fs.new_writable_file(path);
  REQUIRE(w.ok());
  REQUIRE((*w)->append(data).ok());
  if (sync) REQUIRE((*w)->sync().ok());
  REQUIRE((*w)->close().ok());
  if (sync_dir) REQUIRE(fs.sync_dir("/db").ok());
}

bool mentions(const lsm::status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("fault fs: a power loss drops unsynced appends and keeps synced bytes", "[fs]") {
  auto fs = make_fs();
  auto w = fs->new_writable_file("/db/000001.log");
  REQUIRE(w.ok());
  REQUIRE(fs->sync_dir("/db").ok());
  REQUIRE((*w)->append("synced-").ok());
  REQUIRE((*w)->sync().ok());
  REQUIRE((*w)->append("unsynced").ok());
  CHECK(read_all(*fs, "/db/000001.log") == "synced-unsynced");  // the page cache
  put_file(*fs, "/db/never_synced", "data", false, true);

  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/000001.log") == "synced-");
  CHECK(read_all(*fs, "/db/never_synced").empty());
  const lsm::status dead = (*w)->append("more");
  CHECK(dead.code() == lsm::errc::io_error);
  CHECK(mentions(dead, "/db/000001.log"));
  CHECK(mentions(dead, "crash"));
}

TEST_CASE("fault fs: truncating a synced file is not undone by a power loss", "[fs]") {
  auto fs = make_fs();
  put_file(*fs, "/db/f", "durable", true, true);
  auto w = fs->new_writable_file("/db/f");
  REQUIRE(w.ok());
  REQUIRE((*w)->append("new").ok());
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/f").empty());
}

TEST_CASE("fault fs: a file created without a directory sync vanishes in a power loss", "[fs]") {
  auto fs = make_fs();
  put_file(*fs, "/db/not_dir_synced", "abc", true, false);
  CHECK(fs->file_exists("/db/not_dir_synced"));
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK_FALSE(fs->file_exists("/db/not_dir_synced"));
  auto children = fs->get_children("/db");
  REQUIRE(children.ok());
  CHECK(children->empty());

  put_file(*fs, "/db/dir_synced", "abc", true, true);
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/dir_synced") == "abc");
}

TEST_CASE(
    "fault fs: a directory created without syncing its parent vanishes with its "
    "contents",
    "[fs]") {
  auto fs = make_fs();
  REQUIRE(fs->create_dir("/db/sub").ok());
  auto w = fs->new_writable_file("/db/sub/f");
  REQUIRE(w.ok());
  REQUIRE((*w)->append("x").ok());
  REQUIRE((*w)->sync().ok());
  REQUIRE(fs->sync_dir("/db/sub").ok());
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK_FALSE(fs->file_exists("/db/sub"));
  CHECK_FALSE(fs->file_exists("/db/sub/f"));
  CHECK(fs->get_children("/db/sub").get_status().code() == lsm::errc::io_error);

  REQUIRE(fs->create_dir("/db/sub").ok());
  REQUIRE(fs->sync_dir("/db").ok());
  put_file(*fs, "/db/sub/f", "y", true, false);
  REQUIRE(fs->sync_dir("/db/sub").ok());
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/sub/f") == "y");
}

TEST_CASE(
    "fault fs: a rename or removal without a directory sync is undone, with one it "
    "is kept",
    "[fs]") {
  auto fs = make_fs();
  put_file(*fs, "/db/CURRENT", "v1", true, true);

  put_file(*fs, "/db/CURRENT.tmp", "v2", true, false);
  REQUIRE(fs->rename_file("/db/CURRENT.tmp", "/db/CURRENT").ok());
  CHECK(read_all(*fs, "/db/CURRENT") == "v2");
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/CURRENT") == "v1");
  CHECK_FALSE(fs->file_exists("/db/CURRENT.tmp"));

  put_file(*fs, "/db/CURRENT.tmp", "v2", true, false);
  REQUIRE(fs->rename_file("/db/CURRENT.tmp", "/db/CURRENT").ok());
  REQUIRE(fs->sync_dir("/db").ok());
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/CURRENT") == "v2");
  CHECK_FALSE(fs->file_exists("/db/CURRENT.tmp"));

  REQUIRE(fs->remove_file("/db/CURRENT").ok());
  CHECK_FALSE(fs->file_exists("/db/CURRENT"));
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/CURRENT") == "v2");
  REQUIRE(fs->remove_file("/db/CURRENT").ok());
  REQUIRE(fs->sync_dir("/db").ok());
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK_FALSE(fs->file_exists("/db/CURRENT"));
}

TEST_CASE(
    "fault fs: a process crash keeps unsynced bytes and names, which stay "
    "non-durable",
    "[fs]") {
  auto fs = make_fs();
  put_file(*fs, "/db/f", "abc", false, false);
  fs->simulate_crash(crash_mode::keep_unsynced);
  CHECK(read_all(*fs, "/db/f") == "abc");
  fs->simulate_crash(crash_mode::drop_unsynced);  // a later power loss
  CHECK_FALSE(fs->file_exists("/db/f"));
}

TEST_CASE("fault fs: a crash releases locks and invalidates every open handle", "[fs]") {
  auto fs = make_fs();
  put_file(*fs, "/db/f", "0123456789", true, true);
  auto lock = fs->lock_file("/db/LOCK");
  REQUIRE(lock.ok());
  auto seq = fs->new_sequential_file("/db/f");
  auto ra = fs->new_random_access_file("/db/f");
  auto w = fs->new_appendable_file("/db/f");
  REQUIRE((seq.ok() && ra.ok() && w.ok()));
  CHECK(fs->lock_file("/db/LOCK").get_status().code() == lsm::errc::busy);

  fs->simulate_crash(crash_mode::keep_unsynced);
  auto relock = fs->lock_file("/db/LOCK");
  CHECK(relock.ok());
  lock->reset();  // the dead lock must not release the new one
  CHECK(fs->lock_file("/db/LOCK").get_status().code() == lsm::errc::busy);

  std::string scratch(16, '\0');
  std::string_view out;
  CHECK((*seq)->read(4, scratch.data(), out).code() == lsm::errc::io_error);
  CHECK((*seq)->skip(1).code() == lsm::errc::io_error);
  CHECK((*ra)->read(0, 4, scratch.data(), out).code() == lsm::errc::io_error);
  CHECK((*w)->append("x").code() == lsm::errc::io_error);
  CHECK((*w)->flush().code() == lsm::errc::io_error);
  CHECK((*w)->sync().code() == lsm::errc::io_error);
  CHECK(read_all(*fs, "/db/f") == "0123456789");
}

TEST_CASE(
    "fault fs: drop_random_unsynced keeps a prefix between the durable and the full "
    "length",
    "[fs]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed);
  std::string full(1100, '\0');
  for (std::size_t i = 0; i < full.size(); ++i) full[i] = static_cast<char>('a' + i % 26);
  std::set<std::size_t> sizes;
  std::vector<std::size_t> first_run;
  for (int run = 0; run < 2; ++run) {
    for (std::uint64_t i = 0; i < 100; ++i) {
      auto fs = make_fs(seed + i);
      put_file(*fs, "/db/synced", full, true, true);
      auto w = fs->new_writable_file("/db/log");
      REQUIRE(w.ok());
      REQUIRE(fs->sync_dir("/db").ok());
      REQUIRE((*w)->append(full.substr(0, 100)).ok());
      REQUIRE((*w)->sync().ok());
      REQUIRE((*w)->append(full.substr(100)).ok());
      fs->simulate_crash(crash_mode::drop_random_unsynced);
      const std::string kept = read_all(*fs, "/db/log");
      CHECK(kept.size() >= 100);
      CHECK(kept.size() <= full.size());
      CHECK(kept == full.substr(0, kept.size()));
      CHECK(read_all(*fs, "/db/synced") == full);
      sizes.insert(kept.size());
      if (run == 0) {
        first_run.push_back(kept.size());
      } else {
        CHECK(first_run[i] == kept.size());  // the same seed cuts the same way
      }
    }
  }
  CHECK(sizes.size() > 10);  // the cut really varies with the seed
}

TEST_CASE("fault fs: the n-th append fails once with io_error and writes nothing", "[fs]") {
  auto fs = make_fs();
  auto w = fs->new_writable_file("/db/log");
  REQUIRE(w.ok());
  fs->fail_after(op::write, 3, EIO, false);
  CHECK((*w)->append("a").ok());
  CHECK((*w)->append("b").ok());
  const lsm::status s = (*w)->append("c");
  CHECK(s.code() == lsm::errc::io_error);
  CHECK(mentions(s, "/db/log"));
  CHECK(mentions(s, "errno " + std::to_string(EIO)));
  CHECK(*fs->file_size("/db/log") == 2);
  CHECK((*w)->append("d").ok());
  CHECK(read_all(*fs, "/db/log") == "abd");
  CHECK(fs->injected_fault_count() == 1);
}

TEST_CASE(
    "fault fs: a forever fault fails the n-th operation and every later one, ENOSPC "
    "is resource_exhausted",
    "[fs]") {
  auto fs = make_fs();
  auto w = fs->new_writable_file("/db/log");
  REQUIRE(w.ok());
  fs->fail_after(op::write, 2, ENOSPC, true);
  CHECK((*w)->append("a").ok());
  for (int i = 0; i < 3; ++i) {
    const lsm::status s = (*w)->append("b");
    CHECK(s.code() == lsm::errc::resource_exhausted);
    CHECK(mentions(s, "errno " + std::to_string(ENOSPC)));
  }
  CHECK((*w)->sync().ok());  // other kinds are not affected
  fs->clear_faults();
  CHECK((*w)->append("c").ok());
  CHECK(read_all(*fs, "/db/log") == "ac");
}

TEST_CASE(
    "fault fs: a failed sync does not advance the durable length, sync_dir counts "
    "as a sync",
    "[fs]") {
  auto fs = make_fs();
  auto w = fs->new_writable_file("/db/log");
  REQUIRE(w.ok());
  REQUIRE(fs->sync_dir("/db").ok());
  REQUIRE((*w)->append("abc").ok());
  REQUIRE((*w)->sync().ok());
  REQUIRE((*w)->append("def").ok());
  fs->fail_after(op::sync, 1);
  const lsm::status s = (*w)->sync();
  CHECK(s.code() == lsm::errc::io_error);
  CHECK(mentions(s, "/db/log"));

  put_file(*fs, "/db/new", "n", true, false);
  fs->fail_after(op::sync, 1);
  CHECK(fs->sync_dir("/db").code() == lsm::errc::io_error);
  fs->simulate_crash(crash_mode::drop_unsynced);
  CHECK(read_all(*fs, "/db/log") == "abc");
  CHECK_FALSE(fs->file_exists("/db/new"));
}

TEST_CASE("fault fs: a failed rename, create or remove changes nothing", "[fs]") {
  auto fs = make_fs();
  put_file(*fs, "/db/a", "A", true, true);
  put_file(*fs, "/db/b", "B", true, true);

  fs->fail_after(op::rename, 1);
  const lsm::status r = fs->rename_file("/db/a", "/db/b");
  CHECK(r.code() == lsm::errc::io_error);
  CHECK(mentions(r, "/db/a"));
  CHECK(read_all(*fs, "/db/a") == "A");
  CHECK(read_all(*fs, "/db/b") == "B");

  fs->fail_after(op::create, 2);
  CHECK(fs->new_writable_file("/db/c").ok());
  const auto truncate = fs->new_writable_file("/db/a");  // would truncate
  CHECK(truncate.get_status().code() == lsm::errc::io_error);
  CHECK(read_all(*fs, "/db/a") == "A");
  fs->fail_after(op::create, 1, ENOSPC);
  CHECK(fs->create_dir("/db/sub").code() == lsm::errc::resource_exhausted);
  CHECK_FALSE(fs->file_exists("/db/sub"));
  fs->fail_after(op::create, 1);
  CHECK_FALSE(fs->new_appendable_file("/db/d").ok());
  CHECK_FALSE(fs->file_exists("/db/d"));

  fs->fail_after(op::remove, 1);
  CHECK(fs->remove_file("/db/b").code() == lsm::errc::io_error);
  CHECK(fs->file_exists("/db/b"));
  CHECK(fs->remove_file("/db/b").ok());
  CHECK(fs->injected_fault_count() == 5);
}

TEST_CASE(
    "fault fs: any_mutation counts every mutating operation but not reads, read "
    "faults fail reads",
    "[fs]") {
  auto fs = make_fs();
  put_file(*fs, "/db/r", "readable", true, true);
  fs->fail_after(op::any_mutation, 3);
  std::string scratch(8, '\0');
  std::string_view out;
  auto ra = fs->new_random_access_file("/db/r");
  REQUIRE(ra.ok());
  CHECK((*ra)->read(0, 8, scratch.data(), out).ok());  // not a mutation
  auto w = fs->new_writable_file("/db/w");             // 1
  REQUIRE(w.ok());
  CHECK((*w)->append("x").ok());                      // 2
  CHECK((*w)->sync().code() == lsm::errc::io_error);  // 3
  CHECK(fs->remove_file("/db/r").ok());               // 4: once only

  fs->fail_after(op::read, 2);
  CHECK((*ra)->read(0, 8, scratch.data(), out).ok());
  const lsm::status s = (*ra)->read(0, 8, scratch.data(), out);
  CHECK(s.code() == lsm::errc::io_error);
  CHECK(out.empty());
  CHECK((*ra)->read(0, 8, scratch.data(), out).ok());
  CHECK(out == "readable");
}

TEST_CASE("fault fs: crash_after_mutations freezes exactly after k mutations", "[fs]") {
  auto fs = make_fs();
  const std::uint64_t before = fs->mutation_count();
  fs->crash_after_mutations(3);
  CHECK_FALSE(fs->frozen());
  auto w = fs->new_writable_file("/db/log");  // 1
  REQUIRE(w.ok());
  CHECK((*w)->append("abc").ok());  // 2
  CHECK((*w)->sync().ok());         // 3
  CHECK(fs->frozen());
  const lsm::status s = (*w)->append("def");
  CHECK(s.code() == lsm::errc::io_error);
  CHECK(mentions(s, "simulated crash"));
  CHECK(fs->sync_dir("/db").code() == lsm::errc::io_error);
  CHECK(fs->create_dir("/db/sub").code() == lsm::errc::io_error);
  CHECK_FALSE(fs->file_exists("/db/sub"));
  CHECK(fs->mutation_count() - before == 3);
  CHECK(read_all(*fs, "/db/log") == "abc");  // reads still work

  fs->reset_crash_point();
  CHECK_FALSE(fs->frozen());
  CHECK(fs->sync_dir("/db").ok());
  CHECK(fs->mutation_count() - before == 4);
  fs->crash_after_mutations(0);
  CHECK(fs->frozen());
  CHECK(fs->remove_file("/db/log").code() == lsm::errc::io_error);
  fs->simulate_crash(crash_mode::drop_unsynced);  // also lifts the freeze
  CHECK_FALSE(fs->frozen());
  CHECK(read_all(*fs, "/db/log") == "abc");
}

TEST_CASE(
    "fault fs: every crash point of the CURRENT replace protocol leaves the old or "
    "the new CURRENT",
    "[fs]") {
  // write temp (create, append, sync), rename over CURRENT, sync the directory.
  auto workload = [](lsm::file_system& fs) -> lsm::status {
    auto w = fs.new_writable_file("/db/CURRENT.tmp");
    if (!w.ok()) return w.take_status();
    if (lsm::status s = (*w)->append("v2"); !s.ok()) return s;
    if (lsm::status s = (*w)->sync(); !s.ok()) return s;
    if (lsm::status s = (*w)->close(); !s.ok()) return s;
    if (lsm::status s = fs.rename_file("/db/CURRENT.tmp", "/db/CURRENT"); !s.ok()) return s;
    return fs.sync_dir("/db");
  };
  std::uint64_t total = 0;
  {
    auto fs = make_fs();
    put_file(*fs, "/db/CURRENT", "v1", true, true);
    const std::uint64_t base = fs->mutation_count();
    REQUIRE(workload(*fs).ok());
    total = fs->mutation_count() - base;
  }
  REQUIRE(total == 5);
  for (const crash_mode mode : {crash_mode::drop_unsynced, crash_mode::keep_unsynced}) {
    for (std::uint64_t k = 0; k <= total; ++k) {
      INFO("crash after mutation " << k << ", mode " << static_cast<int>(mode));
      auto fs = make_fs();
      put_file(*fs, "/db/CURRENT", "v1", true, true);
      const std::uint64_t base = fs->mutation_count();
      fs->crash_after_mutations(k);
      const lsm::status s = workload(*fs);
      CHECK(s.ok() == (k == total));
      CHECK(fs->mutation_count() - base == k);
      fs->simulate_crash(mode);
      const std::string current = read_all(*fs, "/db/CURRENT");
      // Durable only once the rename (mutation 4) is dir-synced (mutation 5);
      // a process crash keeps the rename as soon as it happened.
      const std::uint64_t new_from = mode == crash_mode::drop_unsynced ? 5 : 4;
      CHECK(current == (k >= new_from ? "v2" : "v1"));
    }
  }
}

}  // namespace lsm_test_fault_injection_file_system_test
