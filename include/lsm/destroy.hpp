// lsm/destroy.hpp — lsm::destroy(path): deletes a closed tree's directory, as
// LevelDB's DestroyDB does.
//
// It takes the tree's lock first, so it fails with errc::busy while a tree
// (in this process or another) has the directory open. It then removes the
// files the library names (NNNNNN.log, NNNNNN.sst, NNNNNN.tmp, MANIFEST-*,
// CURRENT, LOCK), leaves every other file alone, and removes the directory
// once it is empty (a file system that cannot remove directories leaves it).
// A missing directory is nothing to destroy: ok.
//
// Order, for a crash partway: the WALs go first, newest first, then CURRENT,
// then the rest. Until CURRENT is gone the directory opens as the tree it
// was, less the writes of the WALs already removed (the newest go first, so
// what is left is the tree as it was at an earlier moment); once CURRENT is
// gone it opens as an empty tree (the open removes the leftover tables).
//
// <lsm/lsm.hpp> includes this header; with LSM_SEPARATE_COMPILATION include
// it yourself (it brings in the POSIX file system).
//
// Thread safety: any number of calls at once; see the lock above.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "lsm/error.hpp"
#include "lsm/io/file_names.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/io/posix_file_system.hpp"
#include "lsm/options.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline status destroy_tree(const std::string& path, const options& opts) {
  if (path.empty()) return status::invalid_argument("lsm::destroy: the path is empty");
  const std::shared_ptr<file_system> fs =
      opts.file_system ? opts.file_system : default_file_system();
  if (!fs->file_exists(path)) return {};
  auto children = fs->get_children(path);
  if (!children.ok()) return children.take_status();

  auto lock = fs->lock_file(lock_file_name(path));
  if (!lock.ok()) return lock.take_status();

  std::vector<std::pair<std::uint64_t, std::string>> logs;
  std::vector<std::string> others;
  bool has_current = false;
  for (const auto& name : *children) {
    std::uint64_t number = 0;
    file_type type{};
    if (!parse_file_name(name, number, type)) continue;  // not ours
    if (type == file_type::log)
      logs.emplace_back(number, name);
    else if (type == file_type::current)
      has_current = true;
    else if (type != file_type::lock)
      others.push_back(name);
  }
  std::sort(logs.begin(), logs.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });

  auto remove = [&](const std::string& name) { return fs->remove_file(path + "/" + name); };
  for (const auto& log : logs)
    if (status s = remove(log.second); !s.ok()) return s;
  if (!logs.empty())
    if (status s = fs->sync_dir(path); !s.ok()) return s;
  if (has_current) {
    if (status s = remove("CURRENT"); !s.ok()) return s;
    if (status s = fs->sync_dir(path); !s.ok()) return s;
  }
  for (const auto& name : others)
    if (status s = remove(name); !s.ok()) return s;
  // The lock file goes while it is still held, so no open can slip in
  // between; an open that comes after it finds an empty directory.
  if (status s = fs->remove_file(lock_file_name(path)); !s.ok()) return s;
  lock->reset();

  auto left = fs->get_children(path);
  if (!left.ok()) return left.take_status();
  if (!left->empty()) return {};  // files that are not the tree's stay, and so does the directory
  status s = fs->remove_dir(path);
  if (s.is(errc::not_supported)) return {};
  return s;
}

}  // namespace detail

/// Deletes the tree in directory `path` (see the top of this header): its
/// files, then the directory if nothing else is in it. errc::busy while a
/// tree has it open; ok when it does not exist. `opts.file_system` is the
/// file system it is on (null: POSIX); no other option matters. Throws
/// lsm::error.
inline void destroy(const std::string& path, const options& opts = {}) {
  detail::destroy_tree(path, opts).throw_if_error();
}
/// Non-throwing destroy: `ec` is set on failure, cleared on success.
inline void destroy(const std::string& path, const options& opts, std::error_code& ec) {
  ec = detail::destroy_tree(path, opts).error_code();
}
inline void destroy(const std::string& path, std::error_code& ec) { destroy(path, options{}, ec); }

}  // namespace v0
}  // namespace lsm
