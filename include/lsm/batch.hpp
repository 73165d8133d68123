// lsm/batch.hpp — lsm::batch<Key, Value, Codec>: puts, erases and range
// erases applied together by tree::write(), all or none (also across a
// crash). Spelled tree<...>::batch by users.
//
// Thread safety: a batch is a value; build it in one thread.
#pragma once

#include <cstddef>
#include <string>

#include "lsm/engine/write_batch.hpp"

namespace lsm {
inline namespace v0 {

template <class Key, class Value, class Codec>
class batch {
 public:
  void put(const Key& key, const Value& value) {
    encode_key(key);
    value_.clear();
    Codec::encode_value(value, value_);
    if (value_.size() > max_value_) max_value_ = value_.size();
    rep_.put(key_, value_);
  }
  void erase(const Key& key) {
    encode_key(key);
    rep_.erase(key_);
  }
  /// Erases every key in [first, last).
  void erase_range(const Key& first, const Key& last) {
    encode_key(first);
    value_.clear();
    Codec::encode_key(last, value_);
    if (value_.size() > max_key_) max_key_ = value_.size();
    rep_.erase_range(key_, value_);
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
  void encode_key(const Key& key) {
    key_.clear();
    Codec::encode_key(key, key_);
    if (key_.size() > max_key_) max_key_ = key_.size();
  }

  detail::write_batch rep_;
  std::string key_, value_;
  std::size_t max_key_ = 0, max_value_ = 0;
};

}  // namespace v0
}  // namespace lsm
