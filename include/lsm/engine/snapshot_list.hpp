// lsm/engine/snapshot_list.hpp — the sequence numbers of a tree's live
// snapshots (compaction keeps every version one of them can see), and the
// registration an lsm::snapshot holds to stay on the list.
//
// Thread safety: internally locked; a registration may outlive the engine
// (it keeps the list alive).
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "lsm/memtable/internal_key.hpp"
#include "lsm/snapshot.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// The sequence numbers of the live snapshots of one tree.
class snapshot_list {
 public:
  void acquire(sequence_number s) {
    std::lock_guard lock(mu_);
    seqs_.insert(s);
  }
  void release(sequence_number s) {
    std::lock_guard lock(mu_);
    auto it = seqs_.find(s);
    if (it != seqs_.end()) seqs_.erase(it);
  }
  /// Ascending, duplicates removed.
  std::vector<sequence_number> sorted() const {
    std::lock_guard lock(mu_);
    std::vector<sequence_number> out;
    for (auto s : seqs_)
      if (out.empty() || out.back() != s) out.push_back(s);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::multiset<sequence_number> seqs_;
};

/// A snapshot of `seq`, registered on `list` until the snapshot (and every
/// moved-to copy) is gone.
inline snapshot make_snapshot(const std::shared_ptr<snapshot_list>& list, sequence_number seq) {
  list->acquire(seq);
  std::shared_ptr<const void> registration(list.get(),
                                           [list, seq](const void*) { list->release(seq); });
  return snapshot(std::move(registration), seq);
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
