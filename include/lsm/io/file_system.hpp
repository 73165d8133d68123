// lsm/io/file_system.hpp — the file system interface every byte the library
// reads or writes goes through. options::file_system selects the
// implementation: POSIX by default (io/posix_file_system.hpp); tests inject an
// in-memory or a fault-injecting one without touching the library.
//
// Thread safety: a file_system is used from many threads at once and must be
// thread-safe. A random_access_file's read() is called concurrently. A
// writable_file and a sequential_file are used by one thread at a time.
//
// Durability contract (DESIGN.md §3): data appended to a writable_file is
// durable only after sync() returned ok; a created, renamed or removed name is
// durable only after sync_dir() of its directory returned ok.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/error.hpp"

namespace lsm {
inline namespace v0 {

/// A file read from start to end (WAL and MANIFEST replay).
class sequential_file {
 public:
  virtual ~sequential_file() = default;
  /// Reads up to n bytes into scratch; `out` views the bytes read (fewer than
  /// n only at end of file, empty at end of file).
  virtual status read(std::size_t n, char* scratch, std::string_view& out) = 0;
  /// Skips n bytes (or to end of file).
  virtual status skip(std::uint64_t n) = 0;
};

/// A file read at arbitrary offsets (SSTs). read() is thread-safe.
class random_access_file {
 public:
  virtual ~random_access_file() = default;
  /// Reads up to n bytes at offset into scratch; `out` views them (it may
  /// point elsewhere than scratch, e.g. into memory the file owns). Fewer than
  /// n bytes only past the end of the file.
  virtual status read(std::uint64_t offset, std::size_t n, char* scratch,
                      std::string_view& out) const = 0;
  /// The whole file in memory (a read-only mapping), for reads that copy
  /// nothing: the view stays valid while the returned pointer, or a copy of
  /// it, lives. Null when the file is not mapped (the default).
  virtual std::shared_ptr<const std::string_view> mapped() const { return nullptr; }
  /// For a mapped file: lets go of what else the handle holds open (a POSIX
  /// file's descriptor), so that an open table costs the process no
  /// descriptor. read() keeps working, from the mapping. Called at most once,
  /// before the handle is shared between threads. The default does nothing.
  virtual void release_descriptor() {}
  /// A separate handle on the same file that reads without the mapping, for a
  /// long scan that should not map the file's pages into the process (a
  /// compaction's): null when this handle's read() already does so (the
  /// default; a mapped POSIX file that released its descriptor opens a new one).
  virtual result<std::unique_ptr<random_access_file>> open_unmapped() const {
    return std::unique_ptr<random_access_file>();
  }
};

/// A file written by appending (WAL, MANIFEST, SST being built, CURRENT temp).
class writable_file {
 public:
  virtual ~writable_file() = default;
  virtual status append(std::string_view data) = 0;
  /// Hands buffered data to the operating system (survives a process crash).
  virtual status flush() = 0;
  /// flush(), then forces the data to stable storage (fdatasync).
  virtual status sync() = 0;
  virtual status close() = 0;
  /// A hint for logs: the file may reserve disk space `step` bytes at a time
  /// past what was written, so that most syncs after an append need not
  /// record a new file size (on ext4 such an fdatasync commits no journal
  /// transaction). The reserved tail reads as zeros until close() trims it,
  /// and stays after a crash: only for files whose readers stop at zeros.
  /// The default ignores it.
  virtual void set_preallocation(std::uint64_t step) { (void)step; }
  /// A hint for files synced once, at the end (tables): the file may start
  /// writing back what was appended every `bytes` bytes, without waiting,
  /// so that the final sync() has little left to wait for. Durability is
  /// unchanged: only sync() promises anything. The default ignores it.
  virtual void set_write_behind(std::uint64_t bytes) { (void)bytes; }
};

/// A held lock on a file; released by destruction.
class file_lock {
 public:
  virtual ~file_lock() = default;
};

class file_system {
 public:
  virtual ~file_system() = default;

  virtual result<std::unique_ptr<sequential_file>> new_sequential_file(const std::string& path) = 0;
  virtual result<std::unique_ptr<random_access_file>> new_random_access_file(
      const std::string& path) = 0;
  /// Creates or truncates.
  virtual result<std::unique_ptr<writable_file>> new_writable_file(const std::string& path) = 0;
  /// Opens for appending, creating it if missing.
  virtual result<std::unique_ptr<writable_file>> new_appendable_file(const std::string& path) = 0;
  /// Creates or truncates a log (the WAL): a writable file whose readers
  /// stop at zeros, so it may reserve space ahead of what was written and
  /// leave it zero-filled after a crash (see set_preallocation). Every
  /// append must still survive a process crash once flush() returns. The
  /// default is new_writable_file.
  virtual result<std::unique_ptr<writable_file>> new_log_file(const std::string& path) {
    return new_writable_file(path);
  }

  virtual bool file_exists(const std::string& path) = 0;
  /// Names (not paths) of the entries of dir, without "." and "..".
  virtual result<std::vector<std::string>> get_children(const std::string& dir) = 0;
  virtual status remove_file(const std::string& path) = 0;
  /// Creates dir (not its parents); ok when it already exists as a directory,
  /// an error when something else has that name.
  virtual status create_dir(const std::string& dir) = 0;
  virtual result<std::uint64_t> file_size(const std::string& path) = 0;
  /// Atomically replaces `to` by `from`.
  virtual status rename_file(const std::string& from, const std::string& to) = 0;
  /// Makes the creations, renames and removals in dir durable.
  virtual status sync_dir(const std::string& dir) = 0;
  /// Removes the empty directory dir. The default is errc::not_supported:
  /// lsm::destroy then leaves the emptied directory in place.
  virtual status remove_dir(const std::string& dir) {
    return status::not_supported(dir + ": this file system does not remove directories");
  }
  /// Makes `to` a second name of the file `from` (a hard link). The default
  /// is errc::not_supported, as is a link across devices: callers then copy
  /// (tree::checkpoint does).
  virtual status link_file(const std::string& from, const std::string& to) {
    return status::not_supported(from + ": this file system does not link files (to " + to + ")");
  }
  /// Locks path (creating it) against other lockers in this process and in
  /// others; errc::busy when already held.
  virtual result<std::unique_ptr<file_lock>> lock_file(const std::string& path) = 0;
};

}  // namespace v0
}  // namespace lsm
