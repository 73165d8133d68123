// lsm/iter/merging_iterator.hpp — merges several sorted internal iterators
// into one sorted stream (duplicates are all yielded, in Compare order), in
// both directions.
//
// Thread safety: one thread at a time. Invariant: when valid, current_ is the
// child with the smallest (forward) or largest (reverse) key, and every other
// child is positioned after (forward) or before (reverse) the current key.
#pragma once

#include <memory>
#include <vector>

#include "lsm/iter/iterator.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

template <class Compare>
class merging_iterator final : public internal_iterator {
 public:
  explicit merging_iterator(std::vector<std::unique_ptr<internal_iterator>> children)
      : children_(std::move(children)) {}

  bool valid() const override { return current_ != nullptr; }
  void seek_to_first() override {
    for (auto& c : children_) c->seek_to_first();
    find_smallest();
    forward_ = true;
  }
  void seek_to_last() override {
    for (auto& c : children_) c->seek_to_last();
    find_largest();
    forward_ = false;
  }
  void seek(std::string_view target) override {
    for (auto& c : children_) c->seek(target);
    find_smallest();
    forward_ = true;
  }
  void next() override {
    if (!forward_) {
      // Move every other child to the first entry after key().
      const std::string key(current_->key());
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->seek(key);
        if (c->valid() && Compare::compare(key, c->key()) == 0) c->next();
      }
      forward_ = true;
    }
    current_->next();
    find_smallest();
  }
  void prev() override {
    if (forward_) {
      // Move every other child to the last entry before key().
      const std::string key(current_->key());
      for (auto& c : children_) {
        if (c.get() == current_) continue;
        c->seek(key);
        if (c->valid())
          c->prev();
        else
          c->seek_to_last();
      }
      forward_ = false;
    }
    current_->prev();
    find_largest();
  }
  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }
  status get_status() const override {
    for (const auto& c : children_) {
      status s = c->get_status();
      if (!s.ok()) return s;
    }
    return {};
  }

 private:
  void find_smallest() {
    current_ = nullptr;
    for (auto& c : children_)
      if (c->valid() && (current_ == nullptr || Compare::compare(c->key(), current_->key()) < 0))
        current_ = c.get();
  }
  void find_largest() {
    current_ = nullptr;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      auto& c = *it;
      if (c->valid() && (current_ == nullptr || Compare::compare(c->key(), current_->key()) > 0))
        current_ = c.get();
    }
  }

  std::vector<std::unique_ptr<internal_iterator>> children_;
  internal_iterator* current_ = nullptr;
  bool forward_ = true;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
