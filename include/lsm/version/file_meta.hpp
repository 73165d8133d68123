// lsm/version/file_meta.hpp — what the MANIFEST records of one table file:
// its number, size, key range, sequence range and entry counts.
//
// Thread safety: a value type; no shared state.
#pragma once

#include <cstdint>
#include <string>

#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// One table file (NNNNNN.sst) as the MANIFEST records it.
struct file_meta {
  std::uint64_t number = 0;     ///< file number: NNNNNN.sst
  std::uint64_t file_size = 0;  ///< bytes
  std::string smallest;         ///< smallest internal key (user key + 8-byte tag)
  std::string largest;          ///< largest internal key
  sequence_number smallest_seq = 0, largest_seq = 0;
  std::uint64_t num_entries = 0, num_deletions = 0;  ///< deletions incl. range tombstones

  bool operator==(const file_meta&) const = default;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
