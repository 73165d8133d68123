// lsm/io/whole_file.hpp — reading, writing and copying a whole file through a
// file_system (CURRENT, checkpoints, test fixtures and tools).
//
// Thread safety: as the file_system passed in.
#pragma once

#include <string>
#include <string_view>

#include "lsm/error.hpp"
#include "lsm/io/file_system.hpp"

namespace lsm {
inline namespace v0 {

/// Reads a whole file into `out`.
inline status read_file_to_string(file_system& fs, const std::string& path, std::string& out) {
  out.clear();
  auto file = fs.new_sequential_file(path);
  if (!file.ok()) return file.take_status();
  std::string scratch(8192, '\0');
  for (;;) {
    std::string_view chunk;
    status s = (*file)->read(scratch.size(), scratch.data(), chunk);
    if (!s.ok()) return s;
    if (chunk.empty()) return {};
    out.append(chunk.data(), chunk.size());
  }
}

/// Writes `data` to a new file at path, optionally syncing it.
inline status write_string_to_file(file_system& fs, std::string_view data, const std::string& path,
                                   bool sync) {
  auto file = fs.new_writable_file(path);
  if (!file.ok()) return file.take_status();
  status s = (*file)->append(data);
  if (s.ok() && sync) s = (*file)->sync();
  if (s.ok()) s = (*file)->close();
  if (!s.ok()) (void)fs.remove_file(path);
  return s;
}

/// Copies the file `from` to a new file `to`, in 1 MiB pieces, and syncs
/// the copy; on failure the partial copy is removed.
inline status copy_file(file_system& fs, const std::string& from, const std::string& to) {
  auto in = fs.new_sequential_file(from);
  if (!in.ok()) return in.take_status();
  auto out = fs.new_writable_file(to);
  if (!out.ok()) return out.take_status();
  std::string scratch(std::size_t{1} << 20, '\0');
  status s;
  for (;;) {
    std::string_view chunk;
    s = (*in)->read(scratch.size(), scratch.data(), chunk);
    if (!s.ok() || chunk.empty()) break;
    s = (*out)->append(chunk);
    if (!s.ok()) break;
  }
  if (s.ok()) s = (*out)->sync();
  if (s.ok()) s = (*out)->close();
  if (!s.ok()) (void)fs.remove_file(to);
  return s;
}

}  // namespace v0
}  // namespace lsm
