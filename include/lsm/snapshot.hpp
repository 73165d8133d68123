// lsm/snapshot.hpp — lsm::snapshot, an RAII handle pinning a consistent view:
// reads through it see exactly the writes with sequence number <= its own,
// and compaction keeps the versions it can see. Release by destruction.
//
// Thread safety: a snapshot may be used by any number of threads for reading;
// the engine's list of snapshots (lsm/engine/snapshot_list.hpp) is internally
// locked. A snapshot may outlive its tree (it then pins nothing).
#pragma once

#include <memory>
#include <utility>

#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {

class snapshot {
 public:
  /// `registration` is what keeps seq registered with the tree; destroying
  /// it (its deleter) unregisters seq. Made by the engine.
  snapshot(std::shared_ptr<const void> registration, sequence_number seq) noexcept
      : registration_(std::move(registration)), seq_(seq) {}
  snapshot(snapshot&&) noexcept = default;
  snapshot& operator=(snapshot&&) noexcept = default;
  snapshot(const snapshot&) = delete;
  snapshot& operator=(const snapshot&) = delete;
  ~snapshot() = default;

  /// The sequence number of the last write this snapshot sees.
  sequence_number sequence() const noexcept { return seq_; }

 private:
  std::shared_ptr<const void> registration_;
  sequence_number seq_;
};

}  // namespace v0
}  // namespace lsm
