// lsm/fwd.hpp — forward declarations of the public types and every default
// policy argument of lsm::tree, in one place.
//
// Thread safety: declarations only.
#pragma once

namespace lsm {
inline namespace v0 {

template <class Key, class Value>
struct codec;

namespace memtable {
struct skiplist;
struct vector;
struct map;
}  // namespace memtable

namespace filter {
template <unsigned BitsPerKey>
struct bloom;
struct none;
}  // namespace filter

namespace compaction {
template <unsigned L0Trigger, unsigned SizeRatio>
struct leveled;
}  // namespace compaction

struct options;
struct write_options;
struct read_options;
class snapshot;
struct stats;

template <class Key, class Value, class Codec = lsm::codec<Key, Value>,
          class Memtable = lsm::memtable::skiplist, class Filter = lsm::filter::bloom<10>,
          class Compaction = lsm::compaction::leveled<4, 10>>
class tree;

}  // namespace v0
}  // namespace lsm
