// tests/support/crash_util.hpp — helpers shared by the crash, corruption and
// I/O error tests (tests/crash/): the seed and scale knobs read from the
// environment, whether the build is sanitized, and copying the files of a
// tree directory out of and into an in-memory file system.
//
// Thread safety: free functions over values; the file system calls follow
// io/file_system.hpp.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include <lsm/lsm.hpp>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LSM_CRASH_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LSM_CRASH_TEST_SANITIZED 1
#endif
#endif

namespace lsm_test::crash {

#ifdef LSM_CRASH_TEST_SANITIZED
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

/// The unsigned integer in environment variable `name`, or `fallback` when it
/// is unset or not a number.
inline std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') return fallback;
  return static_cast<std::uint64_t>(v);
}

/// LSM_TEST_SEED when set (a replay), else a fresh random seed.
inline std::uint64_t test_seed() {
  const std::uint64_t fresh =
      (static_cast<std::uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  return env_u64("LSM_TEST_SEED", fresh);
}

/// The files of directory `dir` (name -> bytes).
using file_map = std::map<std::string, std::string>;

/// Reads every file of `dir` into a map. REQUIRES: dir exists on fs.
inline lsm::status read_directory(lsm::file_system& fs, const std::string& dir, file_map& out) {
  out.clear();
  auto children = fs.get_children(dir);
  if (!children.ok()) return children.take_status();
  for (const std::string& name : *children) {
    std::string bytes;
    lsm::status s = lsm::read_file_to_string(fs, dir + "/" + name, bytes);
    if (!s.ok()) return s;
    out.emplace(name, std::move(bytes));
  }
  return {};
}

/// Creates `dir` on fs and writes every file of `files` into it.
inline lsm::status write_directory(lsm::file_system& fs, const std::string& dir,
                                   const file_map& files) {
  lsm::status s = fs.create_dir(dir);
  if (!s.ok()) return s;
  for (const auto& [name, bytes] : files) {
    s = lsm::write_string_to_file(fs, bytes, dir + "/" + name, false);
    if (!s.ok()) return s;
  }
  return {};
}

/// write_directory, then makes it all durable (each file synced, then `dir`
/// and its parent): the starting state of a crash test.
inline lsm::status write_directory_durably(lsm::file_system& fs, const std::string& dir,
                                           const file_map& files) {
  lsm::status s = write_directory(fs, dir, files);
  for (auto it = files.begin(); s.ok() && it != files.end(); ++it) {
    auto f = fs.new_appendable_file(dir + "/" + it->first);
    if (!f.ok()) return f.take_status();
    s = (*f)->sync();
  }
  if (s.ok()) s = fs.sync_dir(dir);
  const std::size_t slash = dir.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "."
                             : slash == 0               ? "/"
                                                        : dir.substr(0, slash);
  if (s.ok()) s = fs.sync_dir(parent);
  return s;
}

}  // namespace lsm_test::crash
