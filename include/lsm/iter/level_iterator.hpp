// lsm/iter/level_iterator.hpp — one iterator over a sorted run of table files
// with disjoint key ranges (a level >= 1): opens each file's iterator only
// when the position reaches it.
//
// Thread safety: one thread at a time. The files are pinned by the
// table_file_ptr copies this iterator holds.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "lsm/iter/iterator.hpp"
#include "lsm/version/version.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

using table_iterator_opener = std::function<std::unique_ptr<internal_iterator>(const table_file&)>;

template <class Compare>
class level_iterator final : public internal_iterator {
 public:
  level_iterator(std::vector<table_file_ptr> files, table_iterator_opener open)
      : files_(std::move(files)), open_(std::move(open)) {}

  bool valid() const override { return child_ && child_->valid(); }
  void seek_to_first() override {
    set_file(0);
    if (child_) child_->seek_to_first();
    skip_forward();
  }
  void seek_to_last() override {
    set_file(files_.empty() ? 0 : files_.size() - 1);
    if (child_) child_->seek_to_last();
    skip_backward();
  }
  void seek(std::string_view target) override {
    // First file whose largest key is >= target.
    std::size_t lo = 0, hi = files_.size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (Compare::compare(files_[mid]->meta().largest, target) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    set_file(lo);
    if (child_) child_->seek(target);
    skip_forward();
  }
  void next() override {
    child_->next();
    skip_forward();
  }
  void prev() override {
    child_->prev();
    skip_backward();
  }
  std::string_view key() const override { return child_->key(); }
  std::string_view value() const override { return child_->value(); }
  status get_status() const override {
    if (!status_.ok()) return status_;
    return child_ ? child_->get_status() : status{};
  }

 private:
  void set_file(std::size_t index) {
    if (index >= files_.size()) {
      child_.reset();
      index_ = files_.size();
      return;
    }
    if (child_ && index_ == index) return;
    if (child_) {
      status s = child_->get_status();
      if (!s.ok() && status_.ok()) status_ = s;
    }
    index_ = index;
    child_ = open_(*files_[index]);
  }
  void skip_forward() {
    while (child_ && !child_->valid() && child_->get_status().ok()) {
      if (index_ + 1 >= files_.size()) {
        child_.reset();
        index_ = files_.size();
        return;
      }
      set_file(index_ + 1);
      child_->seek_to_first();
    }
  }
  void skip_backward() {
    while (child_ && !child_->valid() && child_->get_status().ok()) {
      if (index_ == 0) {
        child_.reset();
        index_ = files_.size();
        return;
      }
      set_file(index_ - 1);
      child_->seek_to_last();
    }
  }

  std::vector<table_file_ptr> files_;
  table_iterator_opener open_;
  std::size_t index_ = 0;
  std::unique_ptr<internal_iterator> child_;
  status status_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
