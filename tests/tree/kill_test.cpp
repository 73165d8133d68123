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
  lsm::tree<std::uint64_t, std::string> db(dir, opts);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    auto v = db.get(i);
    const bool expect = i % 3 != 0 && (i < 1000 || i >= 2000);
    REQUIRE(v.has_value() == expect);
    if (expect) REQUIRE(*v == "value" + std::to_string(i));
  }
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
