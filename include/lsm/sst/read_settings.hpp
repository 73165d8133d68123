// lsm/sst/read_settings.hpp — lsm::detail::read_settings, the per-read knobs
// a table read takes (from lsm::read_options).
//
// Thread safety: a plain value.
#pragma once

namespace lsm {
inline namespace v0 {
namespace detail {

/// Per-read knobs of a table read.
struct read_settings {
  bool verify_checksums = true;  ///< verify the CRC of every data block read from the file
  bool fill_cache = true;        ///< insert data blocks read from the file into the cache
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
