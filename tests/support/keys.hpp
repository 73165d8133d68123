// tests/support/keys.hpp — numbered keys that sort as their numbers do
// ("k000042"), for tests that fill a tree.
//
// Thread safety: a pure function.
#pragma once

#include <cstdio>
#include <string>

namespace lsm_test {

/// "k" and i in six digits: keys in order of i for 0 <= i < 1000000.
inline std::string key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%06d", i);
  return buf;
}

}  // namespace lsm_test
