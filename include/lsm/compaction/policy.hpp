// lsm/compaction/policy.hpp — what a compaction policy sees and returns, and
// the concept every policy satisfies.
//
// A policy reads the current version (files per level with sizes, key and
// sequence ranges) and returns at most one job: input files from one level and
// the output level. The shared machinery (engine) adds the overlapping files
// of the output level, runs the merge and installs the result. The policy also
// says when writes must slow down or stop.
//
// Optional members: `bool wants(version, context) const` answers whether pick
// would return a job without changing the policy's state (else the engine asks
// a copy); `static constexpr bool seek_compaction = true` lets the engine merge
// a file one level down when point lookups keep reading it in vain and the
// policy picks nothing (leveled sets it; it suits policies whose levels >= 1
// may take any file from the level above).
//
// Thread safety: the engine calls a policy from one thread at a time.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "lsm/version/version.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// The runtime settings a policy may consult.
struct compaction_context {
  std::size_t target_file_size = 2 << 20;
  std::size_t write_buffer_size = 4 << 20;
  /// The tree's order of user keys (<0, 0, >0); bytewise unless the engine
  /// says otherwise.
  int (*compare_user_keys)(std::string_view, std::string_view) =
      [](std::string_view a, std::string_view b) { return a.compare(b); };
};

/// One job: `inputs` are files of `level` (all of level 0, or a subset of a
/// sorted level); the engine merges them with the overlapping files of
/// `output_level`.
struct compaction_pick {
  int level = 0;
  std::vector<table_file_ptr> inputs;
  int output_level = 1;
};

enum class write_pressure : std::uint8_t { none = 0, slowdown = 1, stop = 2 };

}  // namespace detail

/// What a compaction policy reads and returns, by the names users write.
namespace compaction {
using version = detail::version;                ///< files per level: levels[l], newest L0 first
using file = detail::table_file;                ///< one table: number(), meta() (size, keys, seqs)
using file_ptr = detail::table_file_ptr;        ///< what a job lists as inputs
using job = detail::compaction_pick;            ///< {level, inputs, output_level}
using context = detail::compaction_context;     ///< target file size, write buffer, key order
using write_pressure = detail::write_pressure;  ///< none, slowdown or stop
}  // namespace compaction

template <class P>
concept compaction_policy = requires(P& policy, const detail::version& v,
                                     const detail::compaction_context& context) {
  { P::name } -> std::convertible_to<std::string_view>;
  { policy.pick(v, context) } -> std::same_as<std::optional<detail::compaction_pick>>;
  { policy.pressure(v) } -> std::same_as<detail::write_pressure>;
};

}  // namespace v0
}  // namespace lsm
