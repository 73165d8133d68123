// lsm/iter/db_iterator.hpp — turns the merged stream of internal entries into
// the user's view at one sequence number: for each user key the newest
// version with sequence <= snapshot, skipping keys whose newest visible
// version is a tombstone or is covered by a newer range tombstone.
//
// Thread safety: one thread at a time. Invariants: moving forward, the inner
// iterator is positioned at the entry yielded; moving backward, it is
// positioned just before all entries of the yielded key, and the key and
// value are held in saved_key_ / saved_value_.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "lsm/engine/range_tombstones.hpp"
#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

template <key_comparator Comparator>
class db_iterator final : public internal_iterator {
  enum class direction : std::uint8_t { forward, reverse };

 public:
  /// `pin` keeps alive what `inner` reads from (memtables, version).
  db_iterator(std::unique_ptr<internal_iterator> inner, sequence_number snapshot,
              std::shared_ptr<const range_tombstone_set<Comparator>> tombstones,
              std::shared_ptr<const void> pin = nullptr)
      : pin_(std::move(pin)),
        inner_(std::move(inner)),
        snapshot_(snapshot),
        tombstones_(std::move(tombstones)) {
    if (tombstones_ && tombstones_->empty()) tombstones_.reset();
  }

  /// Called with the user key of every seek(), before it runs (the engine
  /// charges the files a seek has to position in: seek compaction).
  void on_seek(std::function<void(std::string_view)> hook) { on_seek_ = std::move(hook); }

  bool valid() const override { return valid_; }
  std::string_view key() const override {
    return dir_ == direction::forward ? extract_user_key(inner_->key())
                                      : std::string_view(saved_key_);
  }
  std::string_view value() const override {
    return dir_ == direction::forward ? inner_->value() : std::string_view(saved_value_);
  }
  status get_status() const override {
    if (!status_.ok()) return status_;
    return inner_->get_status();
  }

  void seek_to_first() override {
    dir_ = direction::forward;
    saved_value_.clear();
    inner_->seek_to_first();
    if (inner_->valid())
      find_next_user_entry(false);
    else
      valid_ = false;
  }
  void seek_to_last() override {
    dir_ = direction::reverse;
    saved_value_.clear();
    inner_->seek_to_last();
    find_prev_user_entry();
  }
  void seek(std::string_view user_key) override {
    if (on_seek_) on_seek_(user_key);
    dir_ = direction::forward;
    saved_value_.clear();
    saved_key_.clear();
    append_internal_key(saved_key_, user_key, snapshot_, value_kind_for_seek);
    inner_->seek(saved_key_);
    if (inner_->valid())
      find_next_user_entry(false);
    else
      valid_ = false;
  }
  /// REQUIRES: valid().
  void next() override {
    if (dir_ == direction::reverse) {
      dir_ = direction::forward;
      // inner_ is before the entries of saved_key_: step into them, then
      // skip them below.
      if (!inner_->valid())
        inner_->seek_to_first();
      else
        inner_->next();
      if (!inner_->valid()) {
        valid_ = false;
        saved_key_.clear();
        return;
      }
    } else {
      saved_key_.assign(extract_user_key(inner_->key()));
      inner_->next();
      if (!inner_->valid()) {
        valid_ = false;
        saved_key_.clear();
        return;
      }
    }
    find_next_user_entry(true);
  }
  /// REQUIRES: valid().
  void prev() override {
    if (dir_ == direction::forward) {
      // Step back to the last entry of a key before the current one.
      saved_key_.assign(extract_user_key(inner_->key()));
      for (;;) {
        inner_->prev();
        if (!inner_->valid()) {
          valid_ = false;
          saved_key_.clear();
          saved_value_.clear();
          return;
        }
        if (Comparator::compare(extract_user_key(inner_->key()), saved_key_) < 0) break;
      }
      dir_ = direction::reverse;
    }
    find_prev_user_entry();
  }

 private:
  bool parse(parsed_internal_key& out) {
    if (!parse_internal_key(inner_->key(), out)) {
      status_ = status::corruption("malformed internal key in iterator");
      return false;
    }
    return true;
  }
  bool covered(const parsed_internal_key& k) const {
    return tombstones_ && tombstones_->max_covering(k.user_key) > k.sequence;
  }

  void find_next_user_entry(bool skipping) {
    do {
      parsed_internal_key k;
      if (!parse(k)) {
        valid_ = false;
        return;
      }
      if (k.sequence <= snapshot_) {
        if (k.kind == value_kind::deletion || (k.kind == value_kind::value && covered(k))) {
          saved_key_.assign(k.user_key);
          skipping = true;
        } else if (k.kind == value_kind::value) {
          if (!(skipping && Comparator::compare(k.user_key, saved_key_) <= 0)) {
            valid_ = true;
            saved_key_.clear();
            return;
          }
        }
      }
      inner_->next();
    } while (inner_->valid());
    saved_key_.clear();
    valid_ = false;
  }

  void find_prev_user_entry() {
    value_kind kind = value_kind::deletion;
    if (inner_->valid()) {
      do {
        parsed_internal_key k;
        if (!parse(k)) {
          valid_ = false;
          return;
        }
        if (k.sequence <= snapshot_ && k.kind != value_kind::range_deletion) {
          if (kind != value_kind::deletion && Comparator::compare(k.user_key, saved_key_) < 0)
            break;  // the newest visible version of saved_key_ was a value
          kind = (k.kind == value_kind::value && covered(k)) ? value_kind::deletion : k.kind;
          if (kind == value_kind::deletion) {
            saved_key_.clear();
            saved_value_.clear();
          } else {
            saved_key_.assign(k.user_key);
            saved_value_.assign(inner_->value());
          }
        }
        inner_->prev();
      } while (inner_->valid());
    }
    if (kind == value_kind::deletion) {
      valid_ = false;
      saved_key_.clear();
      saved_value_.clear();
      dir_ = direction::forward;
    } else {
      valid_ = true;
    }
  }

  std::shared_ptr<const void> pin_;  // destroyed after inner_
  std::unique_ptr<internal_iterator> inner_;
  sequence_number snapshot_;
  std::shared_ptr<const range_tombstone_set<Comparator>> tombstones_;
  direction dir_ = direction::forward;
  bool valid_ = false;
  std::string saved_key_;    // forward: key being skipped; reverse: current key
  std::string saved_value_;  // reverse: current value
  status status_;
  std::function<void(std::string_view)> on_seek_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
