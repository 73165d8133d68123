// lsm/memtable/concept.hpp — lsm::memtable_policy<M>: what a memtable policy
// must provide, one requirement per line so that a wrong policy fails with a
// short error naming the missing member.
//
// A policy is a tag type with a nested template `M::table<Comparator>` (so
// users name it bare: lsm::memtable::skiplist). Its table:
//   table();                                            default-constructible
//   void add(sequence_number, value_kind, std::string_view user_key,
//            std::string_view value);                   one writer at a time
//   detail::memtable_lookup get(std::string_view user_key, sequence_number,
//                               std::string& value) const;
//   std::unique_ptr<detail::internal_iterator> new_iterator() const;
//   std::size_t approximate_memory() const;
//   std::size_t size() const;
// Readers (the const members) may run concurrently with add(); iterators are
// ordered by detail::internal_key_comparator<Comparator>, key() is the
// internal key, and they see at least every entry added before their creation.
//
// Thread safety: compile-time only.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/entry.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {

/// The table a memtable policy builds for a comparator.
template <class Memtable, class Comparator>
using memtable_table_t = typename Memtable::template table<Comparator>;

/// Has a nested `template <key_comparator C> class table`.
template <class M>
concept memtable_has_table = requires {
  typename memtable_table_t<M, bytewise_comparator>;
};

template <class M>
concept memtable_policy = memtable_has_table<M> &&
    std::default_initializable<memtable_table_t<M, bytewise_comparator>> &&
    requires(memtable_table_t<M, bytewise_comparator>& table,
             const memtable_table_t<M, bytewise_comparator>& const_table, sequence_number seq,
             value_kind kind, std::string_view key, std::string& value) {
  { table.add(seq, kind, key, key) } -> std::same_as<void>;
  { const_table.get(key, seq, value) } -> std::same_as<detail::memtable_lookup>;
  { const_table.new_iterator() } -> std::same_as<std::unique_ptr<detail::internal_iterator>>;
  { const_table.approximate_memory() } -> std::convertible_to<std::size_t>;
  { const_table.size() } -> std::convertible_to<std::size_t>;
};

}  // namespace v0
}  // namespace lsm
