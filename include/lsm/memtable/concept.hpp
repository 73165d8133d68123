// lsm/memtable/concept.hpp — lsm::memtable_policy<M>: what a memtable policy
// must provide, one requirement per line so that a wrong policy fails with a
// short error naming the missing member.
//
// A policy is a tag type with a nested template `M::table<Comparator>` (so
// users name it bare: lsm::memtable::skiplist). Its table:
//   table();                                            default-constructible
//   void add(sequence_number, value_kind, std::string_view user_key,
//            std::string_view value);                   one writer at a time
//   memtable::lookup get(std::string_view user_key, sequence_number,
//                        std::string& value) const;
//   std::unique_ptr<memtable::iterator> new_iterator() const;
//   std::size_t approximate_memory() const;
//   std::size_t size() const;
// Readers (the const members) may run concurrently with add(); iterators are
// ordered by memtable::key_order<Comparator>, key() is the internal key, and
// they see at least every entry added before their creation.
//
// The names a policy needs are public, in lsm::memtable: iterator, lookup,
// key_order, and the internal key helpers (make_internal_key,
// append_internal_key, extract_user_key, extract_sequence, extract_kind), so a
// user-written policy names nothing in lsm::detail.
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

namespace memtable {

/// What a table's iterator implements: ordered (internal key, value) pairs,
/// positioned by seek (to the first key >= an internal key target) and moved
/// both ways. key() and value() stay valid until the next move.
using iterator = detail::internal_iterator;

/// The answer of a table's get(): absent (look further down the tree), found
/// (the value was copied out) or deleted (a tombstone hides older versions).
using lookup = detail::memtable_lookup;

/// The order of internal keys: user key ascending by Comparator, then
/// sequence number descending. `key_order<C>::compare(a, b)` is <0, 0 or >0.
template <key_comparator Comparator>
using key_order = detail::internal_key_comparator<Comparator>;

/// An internal key: the user key, then 8 bytes of (sequence << 8 | kind).
/// make_internal_key(user_key, seq, value_kind_for_seek) sorts before every
/// version of user_key visible at seq, so a lower bound on it finds the
/// version get() must answer with.
using detail::append_internal_key;
using detail::extract_kind;
using detail::extract_sequence;
using detail::extract_user_key;
using detail::make_internal_key;

}  // namespace memtable

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
  { const_table.get(key, seq, value) } -> std::same_as<memtable::lookup>;
  { const_table.new_iterator() } -> std::same_as<std::unique_ptr<memtable::iterator>>;
  { const_table.approximate_memory() } -> std::convertible_to<std::size_t>;
  { const_table.size() } -> std::convertible_to<std::size_t>;
};

}  // namespace v0
}  // namespace lsm
