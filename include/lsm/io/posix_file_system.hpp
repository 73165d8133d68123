// lsm/io/posix_file_system.hpp — the default file_system: POSIX calls,
// pread for random access (and a read-only mapping of each file opened for
// random access, up to 1000 files, for reads that view blocks in place; a
// mapped table keeps no descriptor open), a
// user-space buffer for appends, logs (WALs) written through a shared
// mapping on Linux, fdatasync for sync, fsync of the directory
// for sync_dir and fcntl locks (plus an in-process table, since fcntl locks
// do not exclude the same process) for lock_file.
//
// Thread safety: posix_file_system is thread-safe; see io/file_system.hpp for
// the file objects.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "lsm/io/file_system.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline status posix_error(const std::string& context, int err) {
  std::string msg = context + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT || err == EFBIG || err == EMFILE || err == ENFILE ||
      err == ENOMEM)
    return status::resource_exhausted(std::move(msg));
  if (err == ENOENT) return status::io_error(std::move(msg));
  return status::io_error(std::move(msg));
}

class posix_sequential_file final : public sequential_file {
 public:
  posix_sequential_file(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~posix_sequential_file() override { ::close(fd_); }
  status read(std::size_t n, char* scratch, std::string_view& out) override {
    std::size_t got = 0;
    while (got < n) {
      const ::ssize_t r = ::read(fd_, scratch + got, n - got);
      if (r < 0) {
        if (errno == EINTR) continue;
        return posix_error(path_ + ": read", errno);
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    out = std::string_view(scratch, got);
    return {};
  }
  status skip(std::uint64_t n) override {
    if (::lseek(fd_, static_cast<::off_t>(n), SEEK_CUR) == static_cast<::off_t>(-1))
      return posix_error(path_ + ": lseek", errno);
    return {};
  }

 private:
  std::string path_;
  int fd_;
};

/// How many files the process keeps mapped at once (LevelDB's limit for 64-bit
/// builds): past it, files are read with pread only.
inline constexpr int max_mapped_files = 1000;

inline std::atomic<int>& mapped_files() {
  static std::atomic<int> n{0};
  return n;
}

/// Maps fd's `size` bytes read-only; null when the limit is reached, the file
/// is empty or mmap fails (the caller then reads with pread). The mapping
/// lasts until the last copy of the pointer is gone.
inline std::shared_ptr<const std::string_view> map_file(int fd, std::uint64_t size) {
  if (size == 0 || size > std::uint64_t{SIZE_MAX}) return nullptr;
  if (mapped_files().fetch_add(1, std::memory_order_relaxed) >= max_mapped_files) {
    mapped_files().fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  const auto n = static_cast<std::size_t>(size);
  void* base = ::mmap(nullptr, n, PROT_READ, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    mapped_files().fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  return std::shared_ptr<const std::string_view>(
      new std::string_view(static_cast<const char*>(base), n), [](const std::string_view* v) {
        ::munmap(const_cast<char*>(v->data()), v->size());
        mapped_files().fetch_sub(1, std::memory_order_relaxed);
        delete v;
      });
}

class posix_random_access_file final : public random_access_file {
 public:
  /// `mapping`: the file mapped (map_file), or null.
  posix_random_access_file(std::string path, int fd,
                           std::shared_ptr<const std::string_view> mapping = nullptr)
      : path_(std::move(path)), fd_(fd), mapping_(std::move(mapping)) {}
  ~posix_random_access_file() override {
    if (fd_ >= 0) ::close(fd_);
  }
  std::shared_ptr<const std::string_view> mapped() const override { return mapping_; }
  void release_descriptor() override {
    if (mapping_ == nullptr || fd_ < 0) return;
    ::close(fd_);
    fd_ = -1;
  }
  result<std::unique_ptr<random_access_file>> open_unmapped() const override {
    if (fd_ >= 0) return std::unique_ptr<random_access_file>();
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return posix_error(path_ + ": open", errno);
    return std::unique_ptr<random_access_file>(new posix_random_access_file(path_, fd));
  }
  status read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view& out) const override {
    if (fd_ < 0) {  // released: the mapping serves the read (copied, as pread would)
      const std::string_view all = *mapping_;
      const std::size_t at = offset < all.size() ? static_cast<std::size_t>(offset) : all.size();
      const std::size_t got = std::min(n, all.size() - at);
      std::memcpy(scratch, all.data() + at, got);
      out = std::string_view(scratch, got);
      return {};
    }
    std::size_t got = 0;
    while (got < n) {
      const ::ssize_t r = ::pread(fd_, scratch + got, n - got, static_cast<::off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return posix_error(path_ + ": pread at offset " + std::to_string(offset + got), errno);
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    out = std::string_view(scratch, got);
    return {};
  }

 private:
  std::string path_;
  int fd_;  // -1 once released
  std::shared_ptr<const std::string_view> mapping_;
};

class posix_writable_file final : public writable_file {
 public:
  static constexpr std::size_t buffer_capacity = 64 * 1024;

  /// `appending`: fd was opened with O_APPEND (writes land at the end of
  /// the file, so it never preallocates).
  posix_writable_file(std::string path, int fd, bool appending = false)
      : path_(std::move(path)), fd_(fd), appending_(appending) {
    buffer_.reserve(buffer_capacity);
  }
  ~posix_writable_file() override {
    if (fd_ >= 0) (void)close();
  }
  status append(std::string_view data) override {
    if (buffer_.size() + data.size() <= buffer_capacity) {
      buffer_.append(data.data(), data.size());
      return {};
    }
    status s = flush();
    if (!s.ok()) return s;
    if (data.size() <= buffer_capacity) {
      buffer_.append(data.data(), data.size());
      return {};
    }
    return write_all(data);
  }
  status flush() override {
    if (buffer_.empty()) return {};
    status s = write_all(buffer_);
    buffer_.clear();
    return s;
  }
  status sync() override {
    status s = flush();
    if (!s.ok()) return s;
    if (::fdatasync(fd_) != 0) return posix_error(path_ + ": fdatasync", errno);
    return {};
  }
  status close() override {
    status s = flush();
    // Trim the reserved tail (not synced: if the trim is lost, the zeros are
    // what a crash leaves anyway).
    if (fd_ >= 0 && reserved_ > written_ && ::ftruncate(fd_, static_cast<off_t>(written_)) != 0 &&
        s.ok())
      s = posix_error(path_ + ": ftruncate", errno);
    if (fd_ >= 0 && ::close(fd_) != 0 && s.ok()) s = posix_error(path_ + ": close", errno);
    fd_ = -1;
    return s;
  }
  void set_write_behind(std::uint64_t bytes) override {
#if defined(__linux__)
    write_behind_ = bytes;
#else
    (void)bytes;
#endif
  }
  /// Bytes from the start whose writeback was started by write-behind.
  std::uint64_t written_back() const noexcept { return written_back_; }
  void set_preallocation(std::uint64_t step) override {
#if defined(__linux__)
    if (!appending_) step_ = step;
#else
    (void)step;
#endif
  }

 private:
  /// Reserves space past written_ + n when preallocating (fallocate without
  /// KEEP_SIZE: the size covers the reservation, so appends into it leave
  /// the size alone). A file system that cannot ends the preallocation.
  void reserve_for(std::size_t n) {
#if defined(__linux__)
    if (step_ == 0 || written_ + n <= reserved_) return;
    reserved_ = std::max(reserved_, written_);  // reserving from the first unwritten byte
    const std::uint64_t end = (written_ + n + step_ - 1) / step_ * step_;
    if (::fallocate(fd_, 0, static_cast<off_t>(reserved_), static_cast<off_t>(end - reserved_)) !=
        0) {
      step_ = 0;
      return;
    }
    reserved_ = end;
#else
    (void)n;
#endif
  }

  status write_all(std::string_view data) {
    reserve_for(data.size());
    while (!data.empty()) {
      const ::ssize_t r = ::write(fd_, data.data(), data.size());
      if (r < 0) {
        if (errno == EINTR) continue;
        return posix_error(path_ + ": write", errno);
      }
      data.remove_prefix(static_cast<std::size_t>(r));
      written_ += static_cast<std::uint64_t>(r);
    }
    start_write_behind();
    return {};
  }

  /// Starts writeback of the whole pages written since the last call, once
  /// there are write_behind_ bytes of them (sync_file_range WRITE: queues the
  /// I/O and returns). The partial last page is left alone, so the next
  /// write never waits for a page under writeback. Errors are ignored: the
  /// final sync() reports them.
  void start_write_behind() {
#if defined(__linux__)
    if (write_behind_ == 0 || written_ < written_back_ + write_behind_) return;
    const std::uint64_t end = written_ & ~std::uint64_t{4095};
    if (end <= written_back_) return;
    (void)::sync_file_range(fd_, static_cast<off_t>(written_back_),
                            static_cast<off_t>(end - written_back_), SYNC_FILE_RANGE_WRITE);
    written_back_ = end;
#endif
  }

  std::string path_;
  int fd_;
  bool appending_;
  std::string buffer_;
  std::uint64_t written_ = 0;   // bytes written through fd_ (not counting O_APPEND files' start)
  std::uint64_t reserved_ = 0;  // the file's size with its reservation (0: none yet)
  std::uint64_t step_ = 0;      // preallocation step; 0: off
  std::uint64_t write_behind_ = 0;  // write-behind interval in bytes; 0: off
  std::uint64_t written_back_ = 0;  // writeback started for [0, written_back_)
};

#if defined(__linux__)
/// A log written through a shared, writable mapping of the file, a window of
/// `window_size` bytes at a time: an append is a copy into the page cache,
/// without a system call, and what is in the page cache survives a process
/// crash just as a write(2) does. Each window is reserved on disk
/// (fallocate) before it is mapped, so a full disk fails the append that
/// needs the window instead of killing the process with SIGBUS when the
/// kernel writes the page back. sync() is fdatasync, which writes back the
/// pages dirtied through the mapping too. The reserved tail reads as zeros
/// (a log's readers stop there) until close() trims it.
///
/// After a sync() the rest of the window is written with pwrite(2), and so is
/// the next window if this one was synced: fdatasync leaves every page of the
/// window clean and write-protected, so the next copy into a page would fault
/// again, and the next fdatasync would have to flush every CPU's TLB entry for
/// it before writing it back. Synced writes pay a system call anyway; writes
/// that are not synced go back to the mapping at the first window without a
/// sync.
class posix_mapped_log_file final : public writable_file {
 public:
  static constexpr std::uint64_t window_size = 1 << 20;

  /// REQUIRES: fd is open for reading and writing, the file is empty and
  /// [0, window_size) is already reserved (posix_file_system::new_log_file
  /// tests that the file system can).
  posix_mapped_log_file(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~posix_mapped_log_file() override {
    if (fd_ >= 0) (void)close();
  }
  status append(std::string_view data) override {
    if (!sticky_.ok()) return sticky_;
    while (!data.empty()) {
      if (!started_ || written_ == window_start_ + window_size) {
        status s = next_window();
        if (!s.ok()) return sticky_ = s;
      }
      const auto room = static_cast<std::size_t>(window_start_ + window_size - written_);
      const std::size_t n = std::min(room, data.size());
      if (base_ != nullptr) {
        std::memcpy(base_ + (written_ - window_start_), data.data(), n);
      } else {
        status s = write_at(data.substr(0, n));
        if (!s.ok()) return sticky_ = s;
      }
      written_ += n;
      data.remove_prefix(n);
    }
    return {};
  }
  /// Nothing to hand over: appends are in the page cache already.
  status flush() override { return sticky_.ok() ? status{} : sticky_; }
  status sync() override {
    if (!sticky_.ok()) return sticky_;
    if (::fdatasync(fd_) != 0) return posix_error(path_ + ": fdatasync", errno);
    synced_in_window_ = true;
    unmap();  // the rest of the window is written with pwrite
    return {};
  }
  status close() override {
    if (fd_ < 0) return sticky_;
    status s = sticky_;
    unmap();
    // Trim the reserved tail (not synced: if the trim is lost, the zeros are
    // what a crash leaves anyway).
    if (::ftruncate(fd_, static_cast<off_t>(written_)) != 0 && s.ok())
      s = posix_error(path_ + ": ftruncate", errno);
    if (::close(fd_) != 0 && s.ok()) s = posix_error(path_ + ": close", errno);
    fd_ = -1;
    return s;
  }

  /// Whether the current window is mapped (else appends to it are pwrites).
  bool mapped() const noexcept { return base_ != nullptr; }

 private:
  /// Starts the window at written_ (a multiple of window_size), reserving it
  /// first, and maps it unless the window before it was synced.
  status next_window() {
    unmap();
    const bool write_through = started_ && synced_in_window_;
    started_ = true;
    synced_in_window_ = false;
    window_start_ = written_;
    const std::uint64_t end = window_start_ + window_size;
    if (end > reserved_) {
      if (::fallocate(fd_, 0, static_cast<off_t>(reserved_), static_cast<off_t>(end - reserved_)) !=
          0)
        return posix_error(
            path_ + ": reserving bytes " + std::to_string(reserved_) + " to " + std::to_string(end),
            errno);
      reserved_ = end;
    }
    if (write_through) return {};
    void* p = ::mmap(nullptr, window_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                     static_cast<off_t>(window_start_));
    if (p == MAP_FAILED)
      return posix_error(path_ + ": mmap at offset " + std::to_string(window_start_), errno);
    base_ = static_cast<char*>(p);
#ifdef MADV_POPULATE_WRITE
    // Map the whole window writable now, in one call, rather than take a
    // page fault on each 4 KiB the appends reach (Linux 5.14 and later; an
    // older kernel refuses, and the appends fault the pages in as before).
    // The window's space is reserved, so this cannot run out of it.
    (void)::madvise(p, window_size, MADV_POPULATE_WRITE);
#endif
    return {};
  }
  /// Writes data at written_ (within the reserved window).
  status write_at(std::string_view data) {
    std::uint64_t at = written_;
    while (!data.empty()) {
      const ::ssize_t r = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(at));
      if (r < 0) {
        if (errno == EINTR) continue;
        return posix_error(path_ + ": write at offset " + std::to_string(at), errno);
      }
      data.remove_prefix(static_cast<std::size_t>(r));
      at += static_cast<std::uint64_t>(r);
    }
    return {};
  }
  void unmap() {
    if (base_ != nullptr) ::munmap(base_, window_size);
    base_ = nullptr;
  }

  std::string path_;
  int fd_;
  char* base_ = nullptr;                  // the mapped window, or null (written with pwrite)
  bool started_ = false;                  // the first window is set up
  bool synced_in_window_ = false;         // sync() ran since the window started
  std::uint64_t window_start_ = 0;        // file offset of the window's first byte
  std::uint64_t written_ = 0;             // bytes appended
  std::uint64_t reserved_ = window_size;  // the file's size, reservation included
  status sticky_;                         // the first failure; every later call returns it
};
#endif  // __linux__

/// The set of paths locked by this process: fcntl locks are per process, so
/// a second lock from the same process would silently succeed without it.
class posix_lock_table {
 public:
  static posix_lock_table& instance() {
    static posix_lock_table table;
    return table;
  }
  bool insert(const std::string& path) {
    std::lock_guard lock(mu_);
    return paths_.insert(path).second;
  }
  void erase(const std::string& path) {
    std::lock_guard lock(mu_);
    paths_.erase(path);
  }

 private:
  std::mutex mu_;
  std::set<std::string> paths_;
};

class posix_file_lock final : public file_lock {
 public:
  posix_file_lock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~posix_file_lock() override {
    struct ::flock f {};
    f.l_type = F_UNLCK;
    f.l_whence = SEEK_SET;
    (void)::fcntl(fd_, F_SETLK, &f);
    ::close(fd_);
    posix_lock_table::instance().erase(path_);
  }

 private:
  std::string path_;
  int fd_;
};

}  // namespace detail

/// The default file system: the operating system's.
class posix_file_system final : public file_system {
 public:
  /// map_logs = false writes every log with write(2), as where the file
  /// system cannot reserve space ahead (see new_log_file).
  explicit posix_file_system(bool map_logs = true) : map_logs_(map_logs) {}

  result<std::unique_ptr<sequential_file>> new_sequential_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return detail::posix_error(path + ": open", errno);
    return std::unique_ptr<sequential_file>(new detail::posix_sequential_file(path, fd));
  }
  result<std::unique_ptr<random_access_file>> new_random_access_file(
      const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return detail::posix_error(path + ": open", errno);
    // Tables are immutable once written: reads may view them in place.
    struct ::stat st {};
    std::shared_ptr<const std::string_view> mapping;
    if (::fstat(fd, &st) == 0 && st.st_size > 0)
      mapping = detail::map_file(fd, static_cast<std::uint64_t>(st.st_size));
    return std::unique_ptr<random_access_file>(
        new detail::posix_random_access_file(path, fd, std::move(mapping)));
  }
  result<std::unique_ptr<writable_file>> new_writable_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return detail::posix_error(path + ": open for writing", errno);
    return std::unique_ptr<writable_file>(new detail::posix_writable_file(path, fd));
  }
#if defined(__linux__)
  /// A log written through a mapping (detail::posix_mapped_log_file) when
  /// the file system can reserve space for it; written with write(2) when not.
  result<std::unique_ptr<writable_file>> new_log_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return detail::posix_error(path + ": open for writing", errno);
    if (!map_logs_)
      return std::unique_ptr<writable_file>(new detail::posix_writable_file(path, fd));
    if (::fallocate(fd, 0, 0, static_cast<off_t>(detail::posix_mapped_log_file::window_size)) == 0)
      return std::unique_ptr<writable_file>(new detail::posix_mapped_log_file(path, fd));
    if (const int e = errno; e != EOPNOTSUPP && e != ENOSYS) {
      // Not left behind: the caller tries again under another number.
      ::close(fd);
      ::unlink(path.c_str());
      return detail::posix_error(path + ": reserving the first " +
                                     std::to_string(detail::posix_mapped_log_file::window_size) +
                                     " bytes",
                                 e);
    }
    return std::unique_ptr<writable_file>(new detail::posix_writable_file(path, fd));
  }
#endif
  result<std::unique_ptr<writable_file>> new_appendable_file(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return detail::posix_error(path + ": open for appending", errno);
    return std::unique_ptr<writable_file>(new detail::posix_writable_file(path, fd, true));
  }
  bool file_exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
  result<std::vector<std::string>> get_children(const std::string& dir) override {
    ::DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return detail::posix_error(dir + ": opendir", errno);
    std::vector<std::string> names;
    while (::dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }
  status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return detail::posix_error(path + ": unlink", errno);
    return {};
  }
  status create_dir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return {};
    if (errno != EEXIST) return detail::posix_error(dir + ": mkdir", errno);
    struct ::stat st {};
    if (::stat(dir.c_str(), &st) != 0) return detail::posix_error(dir + ": stat", errno);
    if (!S_ISDIR(st.st_mode))
      return status::io_error(dir + ": mkdir: exists and is not a directory");
    return {};
  }
  status remove_dir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return detail::posix_error(dir + ": rmdir", errno);
    return {};
  }
  status link_file(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) == 0) return {};
    const int err = errno;
    // Another device, or a file system without links: the caller copies.
    if (err == EXDEV || err == EPERM || err == ENOTSUP || err == EMLINK)
      return status::not_supported(from + ": link to " + to + ": " + std::strerror(err));
    return detail::posix_error(from + ": link to " + to, err);
  }
  result<std::uint64_t> file_size(const std::string& path) override {
    struct ::stat st {};
    if (::stat(path.c_str(), &st) != 0) return detail::posix_error(path + ": stat", errno);
    return static_cast<std::uint64_t>(st.st_size);
  }
  status rename_file(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return detail::posix_error(from + ": rename to " + to, errno);
    return {};
  }
  status sync_dir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return detail::posix_error(dir + ": open directory", errno);
    status s;
    if (::fsync(fd) != 0) s = detail::posix_error(dir + ": fsync directory", errno);
    ::close(fd);
    return s;
  }
  result<std::unique_ptr<file_lock>> lock_file(const std::string& path) override {
    if (!detail::posix_lock_table::instance().insert(path))
      return status::busy(path + ": already locked by this process");
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      detail::posix_lock_table::instance().erase(path);
      return detail::posix_error(path + ": open lock file", errno);
    }
    struct ::flock f {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &f) != 0) {
      const int err = errno;
      ::close(fd);
      detail::posix_lock_table::instance().erase(path);
      if (err == EACCES || err == EAGAIN) return status::busy(path + ": locked by another process");
      return detail::posix_error(path + ": lock", err);
    }
    return std::unique_ptr<file_lock>(new detail::posix_file_lock(path, fd));
  }

 private:
  [[maybe_unused]] bool map_logs_;  // read on Linux only: elsewhere logs use write(2)
};

/// The process-wide POSIX file system used when options::file_system is null.
inline std::shared_ptr<file_system> default_file_system() {
  static const std::shared_ptr<file_system> fs = std::make_shared<posix_file_system>();
  return fs;
}

}  // namespace v0
}  // namespace lsm
