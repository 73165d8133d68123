// src/lsm.cpp — the lsm::compiled library: the engine of the default policy
// combination (bytewise order, skiplist memtable, bloom<10> filter,
// leveled<4, 10> compaction), instantiated once. Every lsm::tree whose codec
// does not order keys itself and that keeps the default policies uses it:
// tree<std::string, std::string>, tree<std::uint64_t, blob>, ...
//
// Translation units that link lsm::compiled are built with
// LSM_SEPARATE_COMPILATION (the target says so), so <lsm/lsm.hpp> gives them
// the façade alone. This one is not: it sees the whole engine.
#include <lsm/lsm.hpp>

LSM_INSTANTIATE_ENGINE(lsm::bytewise_comparator, lsm::memtable::skiplist, lsm::filter::bloom<10>,
                       lsm::compaction::leveled<4, 10>);
