// lsm/snapshot.hpp — lsm::snapshot, an RAII handle pinning a consistent view:
// reads through it see exactly the writes with sequence number <= its own,
// and compaction keeps the versions it can see. Release by destruction.
//
// Thread safety: a snapshot may be used by any number of threads for reading;
// the snapshot list is internally locked. A snapshot may outlive its tree
// (it then pins nothing).
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "lsm/memtable/internal_key.hpp"

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

}  // namespace detail

class snapshot {
 public:
  snapshot(std::shared_ptr<detail::snapshot_list> list, sequence_number seq)
      : list_(std::move(list)), seq_(seq) {
    list_->acquire(seq_);
  }
  snapshot(snapshot&& other) noexcept : list_(std::move(other.list_)), seq_(other.seq_) {}
  snapshot& operator=(snapshot&& other) noexcept {
    if (this != &other) {
      release();
      list_ = std::move(other.list_);
      seq_ = other.seq_;
    }
    return *this;
  }
  snapshot(const snapshot&) = delete;
  snapshot& operator=(const snapshot&) = delete;
  ~snapshot() { release(); }

  /// The sequence number of the last write this snapshot sees.
  sequence_number sequence() const noexcept { return seq_; }

 private:
  void release() {
    if (list_) list_->release(seq_);
    list_.reset();
  }
  std::shared_ptr<detail::snapshot_list> list_;
  sequence_number seq_;
};

}  // namespace v0
}  // namespace lsm
