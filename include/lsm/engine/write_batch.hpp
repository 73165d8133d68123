// lsm/engine/write_batch.hpp — the byte form of a batch of updates: what one
// WAL record holds and what the writer queue applies atomically.
//
// Layout (docs/format/batch.md): fixed64 first sequence number, fixed32
// count, then `count` records: a value_kind byte, a length-prefixed key and,
// for value and range_deletion, a length-prefixed value (for a range deletion:
// the exclusive upper bound). Record i gets sequence number first + i.
//
// Thread safety: a write_batch is a value; not safe for concurrent mutation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lsm/codec/coding.hpp"
#include "lsm/error.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr std::size_t write_batch_header_size = 12;

class write_batch {
 public:
  write_batch() { clear(); }

  void clear() {
    rep_.assign(write_batch_header_size, '\0');
    user_bytes_ = 0;
  }
  void put(std::string_view key, std::string_view value) { add(value_kind::value, key, value); }
  void erase(std::string_view key) { add(value_kind::deletion, key, {}); }
  void erase_range(std::string_view first, std::string_view last) {
    add(value_kind::range_deletion, first, last);
  }
  /// Appends every record of other (sequence numbers are assigned later).
  void append(const write_batch& other) {
    set_count(count() + other.count());
    rep_.append(other.rep_, write_batch_header_size);
    user_bytes_ += other.user_bytes_;
  }

  std::uint32_t count() const { return decode_fixed32(rep_.data() + 8); }
  sequence_number sequence() const { return decode_fixed64(rep_.data()); }
  void set_sequence(sequence_number s) { encode_fixed64(rep_.data(), s); }
  std::string_view contents() const { return rep_; }
  std::size_t byte_size() const { return rep_.size(); }
  std::uint64_t user_bytes() const { return user_bytes_; }
  bool empty() const { return count() == 0; }

  /// Replaces the contents with a record read from the WAL; validates it.
  status set_contents(std::string_view rep) {
    if (rep.size() < write_batch_header_size)
      return status::corruption("write batch: " + std::to_string(rep.size()) +
                                " bytes, expected at least 12");
    rep_.assign(rep.data(), rep.size());
    return for_each([](value_kind, std::string_view, std::string_view) {});
  }

  /// Calls fn(kind, key, value) for each record in order; corruption when the
  /// bytes do not hold `count` well-formed records.
  template <class Fn>
  status for_each(Fn&& fn) const {
    std::string_view in(rep_);
    in.remove_prefix(write_batch_header_size);
    std::uint32_t seen = 0;
    while (!in.empty()) {
      const std::size_t offset = rep_.size() - in.size();
      const auto kind = static_cast<std::uint8_t>(in.front());
      in.remove_prefix(1);
      std::string_view key, value;
      if (kind > static_cast<std::uint8_t>(value_kind::range_deletion))
        return status::corruption("write batch: unknown record kind " + std::to_string(kind) +
                                  " at offset " + std::to_string(offset));
      if (!get_length_prefixed(in, key))
        return status::corruption("write batch: bad key at offset " + std::to_string(offset));
      if (kind != static_cast<std::uint8_t>(value_kind::deletion) &&
          !get_length_prefixed(in, value))
        return status::corruption("write batch: bad value at offset " + std::to_string(offset));
      fn(static_cast<value_kind>(kind), key, value);
      ++seen;
    }
    if (seen != count())
      return status::corruption("write batch: header says " + std::to_string(count()) +
                                " records, found " + std::to_string(seen));
    return {};
  }

 private:
  void add(value_kind kind, std::string_view key, std::string_view value) {
    set_count(count() + 1);
    rep_.push_back(static_cast<char>(kind));
    put_length_prefixed(rep_, key);
    if (kind != value_kind::deletion) put_length_prefixed(rep_, value);
    user_bytes_ += key.size() + value.size();
  }
  void set_count(std::uint32_t n) { encode_fixed32(rep_.data() + 8, n); }

  std::string rep_;
  std::uint64_t user_bytes_ = 0;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
