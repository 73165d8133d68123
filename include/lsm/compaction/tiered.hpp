// lsm/compaction/tiered.hpp — size-tiered compaction (Cassandra STCS /
// RocksDB universal style): fewer rewrites of each byte than leveled, at the
// price of more sorted runs for a read to visit and larger single merges.
//
// Layout. Level 0 holds memtable flushes (one run per file, newest first).
// Every level 1..6 holds at most one sorted run (its files are disjoint, as
// the engine requires). Runs are placed bottom-up: the first goes to level 6,
// each later one right above the newest, so the newest run is in the
// lowest-numbered non-empty level `top` and levels 1..top-1 are empty (a
// merge empties the newer run's level, so empty levels may lie between runs).
//
// Jobs (pick), in order of preference:
//   1. Level 0 has >= MinMerge files: merge all of them into one run. If that
//      batch is "similar" in size to the newest run (see below), merge it
//      straight into that run's level `top`; else, if a slot above is free,
//      write it as a new run into level top-1 (level 6 when the tree is empty).
//   2. Two adjacent runs (newest pair first) are similar: the newer one, every
//      file of its level, merges into the older one's level.
//   3. Level 0 has >= MinMerge files and every level is taken: the batch merges
//      into level 1 (the newest run grows until rule 2 pushes it down).
// "Similar": older_bytes * 100 <= newer_bytes * (100 + SizeRatio). A byte is
// rewritten about once per doubling of the data below it (a binary counter for
// SizeRatio = 0..100), instead of about SizeRatio times per level in leveled.
//
// Correctness under the engine's rule "for any key, data in a lower-numbered
// level is newer than data in a higher-numbered one": every job moves data
// from level `a` to the next NON-EMPTY level `b > a` (or into the empty level
// right above it); every level strictly between a and b is empty, so no older
// data ends up above newer data. Level 0 always moves as a whole.
//
// Write pressure: writes slow down at 3 * MinMerge level-0 files and stop at
// 5 * MinMerge (a large run merge may keep the compaction thread busy while
// flushes continue).
//
// Thread safety: called by the engine from one thread at a time; stateless,
// so copies (the engine probes with one) decide exactly like the original.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "lsm/compaction/policy.hpp"
#include "lsm/version/version.hpp"

namespace lsm {
inline namespace v0 {
namespace compaction {

/// MinMerge: level-0 files merged at once into a run (>= 2).
/// SizeRatio: percent by which an older run may be larger than a newer one and
/// still absorb it (0..1000; larger merges more often: fewer runs, more writes).
template <unsigned MinMerge = 4, unsigned SizeRatio = 100>
struct tiered {
  static_assert(MinMerge >= 2,
                "lsm::compaction::tiered<MinMerge, SizeRatio>: MinMerge (level-0 files merged "
                "into one run) must be at least 2");
  static_assert(SizeRatio <= 1000,
                "lsm::compaction::tiered<MinMerge, SizeRatio>: SizeRatio is a percentage in "
                "[0, 1000]; above that every merge rewrites a much larger run (use leveled)");

  static constexpr std::string_view name = "lsm.tiered";
  static constexpr std::size_t min_merge = MinMerge;
  static constexpr unsigned size_ratio = SizeRatio;
  static constexpr std::size_t l0_slowdown = 3 * std::size_t{MinMerge};
  static constexpr std::size_t l0_stop = 5 * std::size_t{MinMerge};

  /// True when a run of `older` bytes should absorb a newer run of `newer` bytes.
  static constexpr bool similar(std::uint64_t newer, std::uint64_t older) noexcept {
    return older * 100 <= newer * (100 + std::uint64_t{SizeRatio});
  }

  std::optional<detail::compaction_pick> pick(const detail::version& v,
                                              const detail::compaction_context&) const {
    constexpr int last = detail::max_levels - 1;
    std::array<std::uint64_t, detail::max_levels> bytes{};
    int top = detail::max_levels;  // the newest run's level; max_levels: none
    for (int level = last; level >= 1; --level) {
      if (v.level_files(level) == 0) continue;
      bytes[static_cast<std::size_t>(level)] = v.level_bytes(level);
      top = level;
    }
    const bool l0_full = v.level_files(0) >= MinMerge;

    // 1. A level-0 batch into the newest run when similar, else into a free slot.
    if (l0_full) {
      if (top <= last && similar(v.level_bytes(0), bytes[static_cast<std::size_t>(top)]))
        return whole_level(v, 0, top);
      if (top > 1) return whole_level(v, 0, top - 1);
    }
    // 2. The newest pair of adjacent similar runs.
    for (int newer = top; newer <= last; ++newer) {
      if (v.level_files(newer) == 0) continue;
      int older = newer + 1;
      while (older <= last && v.level_files(older) == 0) ++older;
      if (older > last) break;
      if (similar(bytes[static_cast<std::size_t>(newer)], bytes[static_cast<std::size_t>(older)]))
        return whole_level(v, newer, older);
    }
    // 3. Every slot taken: the newest run (level 1) absorbs the batch.
    if (l0_full) return whole_level(v, 0, 1);
    return std::nullopt;
  }

  detail::write_pressure pressure(const detail::version& v) const {
    const std::size_t l0 = v.level_files(0);
    if (l0 >= l0_stop) return detail::write_pressure::stop;
    if (l0 >= l0_slowdown) return detail::write_pressure::slowdown;
    return detail::write_pressure::none;
  }

 private:
  /// Every file of `level`, merged into `output_level`.
  /// REQUIRES: every level strictly between the two is empty.
  static detail::compaction_pick whole_level(const detail::version& v, int level,
                                             int output_level) {
    detail::compaction_pick picked;
    picked.level = level;
    picked.output_level = output_level;
    picked.inputs = v.levels[static_cast<std::size_t>(level)];
    return picked;
  }
};

}  // namespace compaction
}  // namespace v0
}  // namespace lsm
