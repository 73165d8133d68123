// tests/support/temp_path.hpp — a fresh path in the temporary directory,
// named for the test and this process, for tests that use the POSIX file
// system.
//
// Thread safety: a free function; distinct names do not collide.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace lsm_test {

/// A fresh path named for the test and this process: whatever was there is
/// removed, and nothing is created.
inline std::string temp_path(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

}  // namespace lsm_test
