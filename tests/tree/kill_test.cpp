// Reopen after a clean close and after kill -9 keeps every acknowledged write.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_kill_test {

namespace {

/// A fresh directory named for the test and this process: two runs of the
/// suite at once (two build directories) must not share it.
std::string temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

}  // namespace

TEST_CASE("reopen after a clean close keeps every write", "[tree][recovery]") {
  const std::string dir = temp_dir("lsm_clean_close");
  lsm::options opts;
  opts.write_buffer_size = 32 << 10;
  {
    lsm::tree<std::uint64_t, std::string> db(dir, opts);
    for (std::uint64_t i = 0; i < 5000; ++i) db.put(i, "value" + std::to_string(i));
    for (std::uint64_t i = 0; i < 5000; i += 3) db.erase(i);
    db.erase_range(1000, 2000);
  }
  {
    lsm::tree<std::uint64_t, std::string> db(dir, opts);
    for (std::uint64_t i = 0; i < 5000; ++i) {
      auto v = db.get(i);
      const bool expect = i % 3 != 0 && (i < 1000 || i >= 2000);
      REQUIRE(v.has_value() == expect);
      if (expect) REQUIRE(*v == "value" + std::to_string(i));
    }
  }  // closed first: its background compaction may still be replacing files
  std::filesystem::remove_all(dir);
}

TEST_CASE("a second open of the same directory fails with busy", "[tree][recovery]") {
  const std::string dir = temp_dir("lsm_busy");
  lsm::tree<std::string, std::string> db(dir);
  std::error_code ec;
  lsm::tree<std::string, std::string> second(dir, {}, ec);
  CHECK(ec == lsm::errc::busy);
  try {
    lsm::tree<std::string, std::string> third(dir);
    FAIL("second open succeeded");
  } catch (const lsm::error& e) {
    CHECK(e.code() == lsm::errc::busy);
  }
}

TEST_CASE(
    "every call on a tree whose open failed, or that was moved from, is an invalid_argument "
    "error",
    "[tree][recovery]") {
  const std::string dir = temp_dir("lsm_not_open");
  using db_type = lsm::tree<std::string, std::string>;
  db_type first(dir);
  first.put("k", "v");
  std::error_code ec;
  db_type failed(dir, {}, ec);  // busy: the directory is locked
  REQUIRE(ec == lsm::errc::busy);
  db_type moved(std::move(first));
  REQUIRE(moved.get("k") == "v");
  for (db_type* db : {&failed, &first}) {
    auto refused = [](std::error_code e) { return e == lsm::errc::invalid_argument; };
    db->put("a", "b", ec);
    CHECK(refused(ec));
    db->erase("a", ec);
    CHECK(refused(ec));
    db->erase_range("a", "b", ec);
    CHECK(refused(ec));
    db_type::batch b;
    b.put("a", "b");
    db->write(b, ec);
    CHECK(refused(ec));
    CHECK_FALSE(db->get("a", ec).has_value());
    CHECK(refused(ec));
    CHECK_FALSE(db->contains("a", ec));
    CHECK(refused(ec));
    db->flush(ec);
    CHECK(refused(ec));
    db->compact(ec);
    CHECK(refused(ec));
    db->compact_range("a", "b", ec);
    CHECK(refused(ec));
    db->wait_for_background_work(ec);
    CHECK(refused(ec));
    CHECK(db->stats().user_bytes_written == 0);
    auto c = db->cursor();
    c.seek_to_first();
    CHECK_FALSE(c.valid());
    CHECK(refused(c.error()));
    CHECK_THROWS_AS(db->scan().begin(), lsm::error);
    CHECK_THROWS_AS(db->snapshot(), lsm::error);
    CHECK_THROWS_AS(db->flush(), lsm::error);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("kill -9 during writes loses no acknowledged write", "[tree][recovery][kill]") {
  const std::string dir = temp_dir("lsm_kill");
  const char* seed_env = std::getenv("LSM_TEST_SEED");
  const std::uint64_t seed =
      seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  std::uint64_t next_key = 0;
  const int kills = 12;
  for (int round = 0; round < kills; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      lsm::options opts;
      opts.write_buffer_size = 64 << 10;
      lsm::tree<std::uint64_t, std::string> db(dir, opts);
      for (std::uint64_t k = next_key;; ++k) {
        db.put(k, std::string(100, static_cast<char>('a' + k % 26)),
               lsm::write_options{.sync = k % 50 == 0});
        if (::write(fds[1], &k, sizeof k) != sizeof k) ::_exit(3);  // acknowledged
      }
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 200));
    ::kill(pid, SIGKILL);
    std::uint64_t k = 0, last = next_key, acked = 0;
    bool any = false;
    while (::read(fds[0], &k, sizeof k) == sizeof k) {
      last = k;
      any = true;
      ++acked;
    }
    ::close(fds[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    lsm::options opts;
    opts.write_buffer_size = 64 << 10;
    lsm::tree<std::uint64_t, std::string> db(dir, opts);
    if (any) {
      for (std::uint64_t i = 0; i <= last; ++i) {
        auto v = db.get(i);
        INFO("round " << round << " key " << i << " last acknowledged " << last);
        REQUIRE(v.has_value());
        REQUIRE(*v == std::string(100, static_cast<char>('a' + i % 26)));
      }
      next_key = last + 1;
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace lsm_test_kill_test
