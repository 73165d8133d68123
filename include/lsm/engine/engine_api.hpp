// lsm/engine/engine_api.hpp — lsm::detail::engine_api, the byte-level
// operations lsm::tree needs from its engine, and open_engine(), which opens
// the engine of one policy combination behind that interface.
//
// This header is what separates the typed façade from the engine: tree.hpp
// needs only it, so a translation unit built with LSM_SEPARATE_COMPILATION
// parses none of the engine and instantiates none of it; open_engine<...> is
// then instantiated once, in the translation unit that includes
// lsm/engine/engine.hpp and names the combination with LSM_INSTANTIATE_ENGINE
// (src/lsm.cpp does it for the default policies: the lsm::compiled target).
//
// Thread safety: every member of engine_api may be called from any number of
// threads at once (see lsm/engine/engine.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lsm/engine/write_batch.hpp"
#include "lsm/error.hpp"
#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/options.hpp"
#include "lsm/snapshot.hpp"
#include "lsm/sst/read_settings.hpp"
#include "lsm/stats.hpp"
#include "lsm/version/policy_names.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// What the façade calls; lsm::detail::engine implements it (final).
class engine_api {
 public:
  engine_api() = default;
  engine_api(const engine_api&) = delete;
  engine_api& operator=(const engine_api&) = delete;
  virtual ~engine_api() = default;

  /// Applies batch atomically. REQUIRES: batch holds no sequence number yet.
  virtual status write(write_batch& batch, bool sync) = 0;
  /// Looks up user_key as of snap; `found` false when absent or deleted.
  virtual status get(std::string_view user_key, sequence_number snap, const read_settings& settings,
                     std::string& value, bool& found) = 0;
  virtual sequence_number latest_sequence() const = 0;
  virtual snapshot take_snapshot() = 0;
  /// The user's view at snap: user keys, newest visible value of each.
  virtual std::unique_ptr<internal_iterator> new_user_iterator(sequence_number snap,
                                                               const read_settings& settings) = 0;
  virtual status flush() = 0;
  /// Empty optional = unbounded on that side.
  virtual status compact_range(const std::optional<std::string>& first,
                               const std::optional<std::string>& last) = 0;
  virtual status wait_for_background_work() = 0;
  /// The bytes of the tables that hold user keys in [first, last),
  /// approximately (see lsm::tree::approximate_size).
  virtual status approximate_size(std::string_view first, std::string_view last,
                                  std::uint64_t& bytes) = 0;
  /// Reads every block of every live table from its file and checks it
  /// (see lsm::tree::verify_checksums).
  virtual status verify_checksums() = 0;
  /// Writes a consistent copy of the tree into the new directory `dir`
  /// (see lsm::tree::checkpoint).
  virtual status checkpoint(const std::string& dir) = 0;
  virtual lsm::stats get_stats() const = 0;
};

template <key_comparator Comparator, class Memtable, class Filter, class Compaction>
class engine;

/// normal: open (or create) as recorded in CURRENT and its MANIFEST.
/// repair: rebuild the MANIFEST from the tables and WALs in the directory
/// first (see lsm::tree::repair).
enum class open_mode : std::uint8_t { normal, repair };

/// Opens (or creates) the tree in `dir` with one policy combination. Defined
/// in lsm/engine/engine.hpp.
template <key_comparator Comparator, class Memtable, class Filter, class Compaction>
result<std::unique_ptr<engine_api>> open_engine(const std::string& dir, const options& opts,
                                                policy_names names, open_mode mode);

}  // namespace detail
}  // namespace v0
}  // namespace lsm
