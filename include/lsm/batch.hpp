// lsm/batch.hpp — lsm::batch<Key, Value, Codec>: puts, erases and range
// erases applied together by tree::write(), all or none (also across a
// crash). Spelled tree<...>::batch by users.
//
// Thread safety: a batch is a value; build it in one thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <system_error>

#include "lsm/codec/guarded.hpp"
#include "lsm/engine/write_batch.hpp"

namespace lsm {
inline namespace v0 {

template <class Key, class Value, class Codec>
class batch {
 public:
  /// Each call throws lsm::error (invalid_argument, unless the codec threw an
  /// lsm::error of its own) if the codec cannot encode its key or value, or
  /// sets `ec` to that code in its std::error_code& form; the batch is then
  /// unchanged.
  void put(const Key& key, const Value& value) { do_put(key, value).throw_if_error(); }
  void put(const Key& key, const Value& value, std::error_code& ec) {
    ec = do_put(key, value).error_code();
  }
  void erase(const Key& key) { do_erase(key).throw_if_error(); }
  void erase(const Key& key, std::error_code& ec) { ec = do_erase(key).error_code(); }
  /// Erases every key in [first, last).
  void erase_range(const Key& first, const Key& last) {
    do_erase_range(first, last).throw_if_error();
  }
  void erase_range(const Key& first, const Key& last, std::error_code& ec) {
    ec = do_erase_range(first, last).error_code();
  }
  void clear() {
    rep_.clear();
    max_key_ = max_value_ = 0;
  }
  std::size_t size() const { return rep_.count(); }
  bool empty() const { return rep_.count() == 0; }
  /// Bytes of the encoded batch.
  std::size_t byte_size() const { return rep_.byte_size(); }

  // For the tree: the encoded form and the largest encoded key / value.
  detail::write_batch& rep() { return rep_; }
  std::size_t max_key_size() const { return max_key_; }
  std::size_t max_value_size() const { return max_value_; }

 private:
  using guarded = detail::guarded_codec<Codec>;

  status do_put(const Key& key, const Value& value) {
    key_.clear();
    value_.clear();
    status s = guarded::encode_key(key, key_);
    if (s.ok()) s = guarded::encode_value(value, value_);
    if (!s.ok()) return s;
    note_sizes(key_.size(), value_.size());
    rep_.put(key_, value_);
    return {};
  }
  status do_erase(const Key& key) {
    key_.clear();
    status s = guarded::encode_key(key, key_);
    if (!s.ok()) return s;
    note_sizes(key_.size(), 0);
    rep_.erase(key_);
    return {};
  }
  status do_erase_range(const Key& first, const Key& last) {
    key_.clear();
    value_.clear();
    status s = guarded::encode_key(first, key_);
    if (s.ok()) s = guarded::encode_key(last, value_);
    if (!s.ok()) return s;
    note_sizes(std::max(key_.size(), value_.size()), 0);
    rep_.erase_range(key_, value_);
    return {};
  }
  void note_sizes(std::size_t key_size, std::size_t value_size) {
    if (key_size > max_key_) max_key_ = key_size;
    if (value_size > max_value_) max_value_ = value_size;
  }

  detail::write_batch rep_;
  std::string key_, value_;
  std::size_t max_key_ = 0, max_value_ = 0;
};

}  // namespace v0
}  // namespace lsm
