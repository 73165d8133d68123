// lsm/lsm.hpp — the one header users include; also the root of the
// amalgamated single_include/lsm/lsm.hpp. Includes every public header
// (lsm::tree, the options, codecs and policies), then the engine and every
// internal header.
//
// With LSM_SEPARATE_COMPILATION defined, only the public headers but
// lsm/destroy.hpp (which needs the POSIX file system): the engine
// is then instantiated once, in another translation unit (the lsm::compiled
// CMake target, or one of yours with LSM_INSTANTIATE_ENGINE; see
// lsm/engine/engine_api.hpp), and a translation unit that uses a tree
// compiles in a fraction of the time.
#pragma once

#include "lsm/error.hpp"
#include "lsm/fwd.hpp"
#include "lsm/options.hpp"
#include "lsm/stats.hpp"
#include "lsm/snapshot.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/codec/static_string.hpp"
#include "lsm/codec/serializers/primary.hpp"
#include "lsm/codec/serializers/arithmetic.hpp"
#include "lsm/codec/serializers/bytes.hpp"
#include "lsm/codec/serializers/composite.hpp"
#include "lsm/codec/serializer.hpp"
#include "lsm/codec/concept.hpp"
#include "lsm/codec/codec.hpp"
#include "lsm/codec/guarded.hpp"
#include "lsm/filter/concept.hpp"
#include "lsm/filter/bloom.hpp"
#include "lsm/memtable/concept.hpp"
#include "lsm/memtable/skiplist.hpp"
#include "lsm/compaction/policy.hpp"
#include "lsm/compaction/leveled.hpp"
#include "lsm/batch.hpp"
#include "lsm/tree.hpp"

#ifndef LSM_SEPARATE_COMPILATION
#include "lsm/memtable/vector.hpp"
#include "lsm/memtable/map.hpp"
#include "lsm/compaction/tiered.hpp"
#include "lsm/filter/none.hpp"
#include "lsm/codec/coding.hpp"
#include "lsm/io/crc32c.hpp"
#include "lsm/io/posix_file_system.hpp"
#include "lsm/io/whole_file.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/arena.hpp"
#include "lsm/memtable/entry.hpp"
#include "lsm/wal/format.hpp"
#include "lsm/wal/writer.hpp"
#include "lsm/wal/reader.hpp"
#include "lsm/io/memory_file_system.hpp"
#include "lsm/io/fault_injection_file_system.hpp"
#include "lsm/filter/hash.hpp"
#include "lsm/cache/lru_cache.hpp"
#include "lsm/sst/format.hpp"
#include "lsm/sst/block_builder.hpp"
#include "lsm/sst/block.hpp"
#include "lsm/sst/properties.hpp"
#include "lsm/sst/table_builder.hpp"
#include "lsm/sst/table_reader.hpp"
#include "lsm/version/file_meta.hpp"
#include "lsm/version/version_edit.hpp"
#include "lsm/io/file_names.hpp"
#include "lsm/engine/write_batch.hpp"
#include "lsm/engine/range_tombstones.hpp"
#include "lsm/version/version.hpp"
#include "lsm/version/version_set.hpp"
#include "lsm/cache/table_cache.hpp"
#include "lsm/iter/merging_iterator.hpp"
#include "lsm/iter/level_iterator.hpp"
#include "lsm/iter/db_iterator.hpp"
#include "lsm/engine/engine.hpp"
#include "lsm/destroy.hpp"
#endif
