// lsm/compaction/leveled.hpp — leveled compaction (LevelDB / RocksDB style):
// level 0 holds whole memtable flushes; when it has L0Trigger files they all
// merge into level 1; level L >= 1 may hold 10 MiB * SizeRatio^(L-1) bytes,
// and the level with the highest fill ratio above 1 pushes one file (chosen
// round-robin by key) into the next level.
//
// Writes slow down at 2 * L0Trigger level-0 files and stop at 3 * L0Trigger.
//
// Thread safety: called by the engine from one thread at a time.
#pragma once

#include <array>
#include <optional>

#include "lsm/compaction/policy.hpp"

namespace lsm {
inline namespace v0 {
namespace compaction {

template <unsigned L0Trigger = 4, unsigned SizeRatio = 10>
struct leveled {
  static_assert(L0Trigger >= 1, "lsm::compaction::leveled: the level-0 trigger must be at least 1");
  static_assert(SizeRatio >= 2,
                "lsm::compaction::leveled: the size ratio between levels must be at least 2");

  static constexpr std::string_view name = "lsm.leveled";
  static constexpr std::size_t l0_trigger = L0Trigger;
  static constexpr std::size_t l0_slowdown = 2 * L0Trigger;
  static constexpr std::size_t l0_stop = 3 * L0Trigger;
  static constexpr std::uint64_t level1_max_bytes = 10 << 20;

  static std::uint64_t max_bytes_for_level(int level) {
    std::uint64_t bytes = level1_max_bytes;
    for (int l = 1; l < level; ++l) bytes *= SizeRatio;
    return bytes;
  }

  std::optional<detail::compaction_pick> pick(const detail::version& v,
                                              const detail::compaction_context&) {
    double best_score = 1.0;
    int best_level = -1;
    if (v.level_files(0) >= L0Trigger) {
      best_score = static_cast<double>(v.level_files(0)) / L0Trigger;
      best_level = 0;
    }
    for (int level = 1; level + 1 < detail::max_levels; ++level) {
      const double score = static_cast<double>(v.level_bytes(level)) /
                           static_cast<double>(max_bytes_for_level(level));
      if (score > best_score) {
        best_score = score;
        best_level = level;
      }
    }
    if (best_level < 0) return std::nullopt;
    detail::compaction_pick job;
    job.level = best_level;
    job.output_level = best_level + 1;
    const auto& files = v.levels[static_cast<std::size_t>(best_level)];
    if (best_level == 0) {
      job.inputs = files;
      return job;
    }
    // Round-robin over the level's files, in key order.
    auto& next = next_index_[static_cast<std::size_t>(best_level)];
    if (next >= files.size()) next = 0;
    const detail::table_file_ptr* chosen = &files[next++];
    job.inputs.push_back(*chosen);
    return job;
  }

  detail::write_pressure pressure(const detail::version& v) const {
    const std::size_t l0 = v.level_files(0);
    if (l0 >= l0_stop) return detail::write_pressure::stop;
    if (l0 >= l0_slowdown) return detail::write_pressure::slowdown;
    return detail::write_pressure::none;
  }

 private:
  std::array<std::size_t, detail::max_levels> next_index_{};
};

}  // namespace compaction
}  // namespace v0
}  // namespace lsm
