// lsm/lsm.hpp — the one header users include; also the root of the
// amalgamated single_include/lsm/lsm.hpp. Includes every public and internal
// header of the library.
#pragma once

#include "lsm/error.hpp"
#include "lsm/codec/coding.hpp"
#include "lsm/io/crc32c.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/io/posix_file_system.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/arena.hpp"
#include "lsm/memtable/entry.hpp"
#include "lsm/memtable/skiplist.hpp"
#include "lsm/memtable/vector.hpp"
#include "lsm/memtable/map.hpp"
#include "lsm/memtable/concept.hpp"
#include "lsm/io/memory_file_system.hpp"
#include "lsm/io/fault_injection_file_system.hpp"
#include "lsm/wal/format.hpp"
#include "lsm/wal/writer.hpp"
#include "lsm/wal/reader.hpp"
#include "lsm/version/version_edit.hpp"
