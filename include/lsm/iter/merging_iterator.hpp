// lsm/iter/merging_iterator.hpp — merges several sorted internal iterators
// into one sorted stream (duplicates are all yielded, in Compare order), in
// both directions.
//
// Thread safety: one thread at a time. Invariant: when valid, current_ is the
// child with the smallest (forward) or largest (reverse) key, and every other
// child is positioned after (forward) or before (reverse) the current key.
// Each child's validity and key are cached after it moves, so choosing the
// next entry costs comparisons only, not virtual calls; and the runner-up (the
// second smallest or largest child) is kept too, so that a step which leaves
// the moved child in front, the common case of a scan, costs one comparison.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/iter/iterator.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

template <class Compare>
class merging_iterator final : public internal_iterator {
  struct child {
    std::unique_ptr<internal_iterator> it;
    std::string_view key;
    bool valid = false;
    void refresh() {
      valid = it->valid();
      if (valid) key = it->key();
    }
  };

 public:
  explicit merging_iterator(std::vector<std::unique_ptr<internal_iterator>> children) {
    children_.reserve(children.size());
    for (auto& c : children) children_.push_back({std::move(c), {}, false});
  }

  bool valid() const override { return current_ != nullptr; }
  void seek_to_first() override {
    for (auto& c : children_) {
      c.it->seek_to_first();
      c.refresh();
    }
    find_smallest();
    forward_ = true;
  }
  void seek_to_last() override {
    for (auto& c : children_) {
      c.it->seek_to_last();
      c.refresh();
    }
    find_largest();
    forward_ = false;
  }
  void seek(std::string_view target) override {
    for (auto& c : children_) {
      c.it->seek(target);
      c.refresh();
    }
    find_smallest();
    forward_ = true;
  }
  void next() override {
    if (!forward_) {
      // Move every other child to the first entry after key().
      const std::string key(current_->key);
      for (auto& c : children_) {
        if (&c == current_) continue;
        c.it->seek(key);
        if (c.it->valid() && Compare::compare(key, c.it->key()) == 0) c.it->next();
        c.refresh();
      }
      forward_ = true;
      current_->it->next();
      current_->refresh();
      find_smallest();
      return;
    }
    current_->it->next();
    current_->refresh();
    // The other children did not move: the moved one stays in front while it
    // is still below the runner-up.
    if (current_->valid &&
        (runner_up_ == nullptr || Compare::compare(current_->key, runner_up_->key) < 0))
      return;
    find_smallest();
  }
  void prev() override {
    if (forward_) {
      // Move every other child to the last entry before key().
      const std::string key(current_->key);
      for (auto& c : children_) {
        if (&c == current_) continue;
        c.it->seek(key);
        if (c.it->valid())
          c.it->prev();
        else
          c.it->seek_to_last();
        c.refresh();
      }
      forward_ = false;
      current_->it->prev();
      current_->refresh();
      find_largest();
      return;
    }
    current_->it->prev();
    current_->refresh();
    if (current_->valid &&
        (runner_up_ == nullptr || Compare::compare(current_->key, runner_up_->key) > 0))
      return;
    find_largest();
  }
  std::string_view key() const override { return current_->key; }
  std::string_view value() const override { return current_->it->value(); }
  status get_status() const override {
    for (const auto& c : children_) {
      status s = c.it->get_status();
      if (!s.ok()) return s;
    }
    return {};
  }

 private:
  // Ties go to the earlier child (forward) or the later one (reverse), as a
  // plain scan would choose; the fast paths above only keep a child that is
  // strictly in front, so they choose the same.
  void find_smallest() {
    current_ = runner_up_ = nullptr;
    for (auto& c : children_) {
      if (!c.valid) continue;
      if (current_ == nullptr || Compare::compare(c.key, current_->key) < 0) {
        runner_up_ = current_;
        current_ = &c;
      } else if (runner_up_ == nullptr || Compare::compare(c.key, runner_up_->key) < 0) {
        runner_up_ = &c;
      }
    }
  }
  void find_largest() {
    current_ = runner_up_ = nullptr;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      if (!it->valid) continue;
      if (current_ == nullptr || Compare::compare(it->key, current_->key) > 0) {
        runner_up_ = current_;
        current_ = &*it;
      } else if (runner_up_ == nullptr || Compare::compare(it->key, runner_up_->key) > 0) {
        runner_up_ = &*it;
      }
    }
  }

  std::vector<child> children_;
  child* current_ = nullptr;
  child* runner_up_ = nullptr;  // second in line; null when only current_ is valid
  bool forward_ = true;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
