// lsm/io/file_names.hpp — the names of the files in a tree's directory:
// NNNNNN.log (WAL), NNNNNN.sst (table), MANIFEST-NNNNNN, CURRENT, LOCK and
// NNNNNN.tmp (a file being written before a rename).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

namespace lsm {
inline namespace v0 {
namespace detail {

enum class file_type : std::uint8_t { log, table, manifest, current, lock, temp };

inline std::string numbered_file_name(const std::string& dir, std::uint64_t number,
                                      std::string_view suffix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/%06llu.", static_cast<unsigned long long>(number));
  return dir + buf + std::string(suffix);
}
inline std::string log_file_name(const std::string& dir, std::uint64_t number) {
  return numbered_file_name(dir, number, "log");
}
inline std::string table_file_name(const std::string& dir, std::uint64_t number) {
  return numbered_file_name(dir, number, "sst");
}
inline std::string temp_file_name(const std::string& dir, std::uint64_t number) {
  return numbered_file_name(dir, number, "tmp");
}
inline std::string manifest_file_name(const std::string& dir, std::uint64_t number) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "/MANIFEST-%06llu", static_cast<unsigned long long>(number));
  return dir + buf;
}
inline std::string current_file_name(const std::string& dir) { return dir + "/CURRENT"; }
inline std::string lock_file_name(const std::string& dir) { return dir + "/LOCK"; }

/// `path` without the slashes it ends in ("a/b//" gives "a/b"), but "/"
/// stays "/": the name of the directory it means.
inline std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

/// The directory that holds `path`, whose sync makes path's own entry
/// durable: "a/b" and "a/b/" give "a", "b" gives ".", "/b" gives "/".
inline std::string parent_directory(std::string path) {
  path = without_trailing_slashes(std::move(path));
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

/// Parses a directory entry name; false for names the library does not own.
inline bool parse_file_name(std::string_view name, std::uint64_t& number, file_type& type) {
  auto parse_number = [](std::string_view digits, std::uint64_t& out) {
    if (digits.empty() || digits.size() > 19) return false;
    out = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
  };
  if (name == "CURRENT") {
    number = 0;
    type = file_type::current;
    return true;
  }
  if (name == "LOCK") {
    number = 0;
    type = file_type::lock;
    return true;
  }
  if (name.substr(0, 9) == "MANIFEST-") {
    type = file_type::manifest;
    return parse_number(name.substr(9), number);
  }
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view suffix = name.substr(dot + 1);
  if (suffix == "log")
    type = file_type::log;
  else if (suffix == "sst")
    type = file_type::table;
  else if (suffix == "tmp")
    type = file_type::temp;
  else
    return false;
  return parse_number(name.substr(0, dot), number);
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
