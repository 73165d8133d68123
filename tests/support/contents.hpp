// tests/support/contents.hpp — everything a tree of strings holds, read by a
// full scan into a std::map: the model the tests compare it with.
//
// Thread safety: as tree::scan.
#pragma once

#include <map>
#include <string>

#include <lsm/lsm.hpp>

namespace lsm_test {

using string_model = std::map<std::string, std::string>;

/// Every key of db with its value, in order.
inline string_model contents(const lsm::tree<std::string, std::string>& db) {
  string_model m;
  for (auto&& [k, v] : db.scan()) m.emplace(k, v);
  return m;
}

}  // namespace lsm_test
