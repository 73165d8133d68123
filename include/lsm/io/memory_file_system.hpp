// lsm/io/memory_file_system.hpp — a file_system kept entirely in memory, for
// tests and for trees that need no persistence. It behaves like POSIX for
// everything in the file_system interface: directories must exist before
// entries are made in them, get_children lists direct entries only, opening a
// missing file is errc::io_error naming the path, an open file survives its
// removal (the handle keeps reading it), a truncating open truncates the file
// other handles see, and lock_file creates the lock file and is errc::busy
// until the first lock is destroyed.
//
// Paths are plain strings: "a//b/" and "./a/b" name "a/b"; "." is the
// relative root and "/" the absolute root, both always exist. ".." is not
// resolved (it is an ordinary name). Renaming directories is not supported.
//
// The shared core (detail::memory_fs_core) also keeps the durable state a real
// disk would have (synced length per file, synced entries per directory) and
// calls a hook before every operation: the fault-injecting file system
// (io/fault_injection_file_system.hpp) builds on both.
//
// Thread safety: memory_file_system is thread-safe (one mutex guards the
// whole tree and every file's bytes); the file objects follow io/file_system.hpp.
// Handles share ownership of the core, so they may outlive the file system.
//
// Invariants: a directory path is a key of the directory table iff its parent
// directory holds an entry for it (or it is a root); a file's durable_size is
// never larger than its size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/error.hpp"
#include "lsm/io/file_system.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// The operations the core reports to its hook before performing them.
enum class memory_fs_op : std::uint8_t {
  read = 0,         ///< sequential_file::read, random_access_file::read
  append = 1,       ///< writable_file::append
  sync = 2,         ///< writable_file::sync
  sync_dir = 3,     ///< file_system::sync_dir
  rename = 4,       ///< file_system::rename_file
  create_file = 5,  ///< new_writable_file, new_appendable_file
  create_dir = 6,   ///< create_dir
  remove = 7,       ///< remove_file
};

inline const char* memory_fs_op_name(memory_fs_op op) {
  switch (op) {
    case memory_fs_op::read:
      return "read";
    case memory_fs_op::append:
      return "append";
    case memory_fs_op::sync:
      return "sync";
    case memory_fs_op::sync_dir:
      return "sync directory";
    case memory_fs_op::rename:
      return "rename";
    case memory_fs_op::create_file:
      return "open for writing";
    case memory_fs_op::create_dir:
      return "mkdir";
    case memory_fs_op::remove:
      return "unlink";
  }
  return "operation";
}

/// Consulted by the core before each operation, under the core's mutex. A
/// non-ok status fails the operation, which then changes nothing.
class memory_fs_hook {
 public:
  virtual ~memory_fs_hook() = default;
  /// `path` is the normalized path the operation names (for rename: `from`).
  virtual status before(memory_fs_op op, const std::string& path) = 0;
};

/// The bytes of one file (an inode): shared by every name and handle of it.
struct memory_file_node {
  std::string data;
  /// Bytes known to be on stable storage (advanced by a successful sync()).
  std::size_t durable_size = 0;
};

/// One name in a directory: a file, or (file == nullptr) a subdirectory.
struct memory_dir_entry {
  std::shared_ptr<memory_file_node> file;
  bool is_dir() const noexcept { return file == nullptr; }
};

struct memory_dir_node {
  std::map<std::string, memory_dir_entry> entries;
  /// The entries as of the last successful sync_dir (tracked only when the
  /// core tracks durability).
  std::map<std::string, memory_dir_entry> durable_entries;
};

/// "a//b/" -> "a/b", "./a" -> "a", "." and "" components dropped, "/" stays
/// "/", a relative path with no component is ".". Returns "" for "".
inline std::string normalize_memory_path(std::string_view path) {
  if (path.empty()) return {};
  std::string out;
  if (path.front() == '/') out = "/";
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view part = path.substr(i, j - i);
    if (!part.empty() && part != ".") {
      if (!out.empty() && out.back() != '/') out += '/';
      out.append(part.data(), part.size());
    }
    i = j + 1;
  }
  if (out.empty()) out = ".";
  return out;
}

inline bool is_memory_root(const std::string& path) noexcept { return path == "/" || path == "."; }

/// REQUIRES: path is normalized and not a root.
inline std::pair<std::string, std::string> split_memory_path(const std::string& path) {
  const std::size_t pos = path.rfind('/');
  if (pos == std::string::npos) return {".", path};
  if (pos == 0) return {"/", path.substr(1)};
  return {path.substr(0, pos), path.substr(pos + 1)};
}

/// REQUIRES: dir is normalized.
inline std::string join_memory_path(const std::string& dir, const std::string& name) {
  if (dir == ".") return name;
  if (dir == "/") return "/" + name;
  return dir + "/" + name;
}

class memory_fs_core;

/// Common state of every handle: the core, the file, the name it was opened
/// by and the crash epoch it belongs to.
struct memory_handle_state {
  std::shared_ptr<memory_fs_core> core;
  std::shared_ptr<memory_file_node> node;
  std::string path;
  std::uint64_t epoch = 0;
};

/// The tree of directories and files shared by memory_file_system and
/// fault_injection_file_system. Every public method locks the core's mutex.
class memory_fs_core : public std::enable_shared_from_this<memory_fs_core> {
 public:
  /// With track_durability, sync_dir records each directory's durable entries
  /// (needed by crash()).
  explicit memory_fs_core(bool track_durability) : track_durability_(track_durability) {
    dirs_["."];
    dirs_["/"];
  }

  /// Installs the hook consulted before every operation.
  /// REQUIRES: called before the core is shared with other threads.
  void set_hook(std::unique_ptr<memory_fs_hook> hook) { hook_ = std::move(hook); }

  /// Locks the core; for callers that configure the hook.
  std::unique_lock<std::mutex> lock() const { return std::unique_lock(mu_); }

  // --- file_system operations --------------------------------------------

  result<std::unique_ptr<sequential_file>> new_sequential_file(const std::string& path);
  result<std::unique_ptr<random_access_file>> new_random_access_file(const std::string& path);
  result<std::unique_ptr<writable_file>> new_writable_file(const std::string& path, bool truncate);
  bool file_exists(const std::string& path) {
    const std::string p = normalize_memory_path(path);
    std::lock_guard guard(mu_);
    return !p.empty() && (dirs_.count(p) != 0 || find_file(p) != nullptr);
  }
  result<std::vector<std::string>> get_children(const std::string& dir) {
    const std::string p = normalize_memory_path(dir);
    std::lock_guard guard(mu_);
    const auto it = dirs_.find(p);
    if (it == dirs_.end()) return missing_dir(dir, "opendir");
    std::vector<std::string> names;
    names.reserve(it->second.entries.size());
    for (const auto& entry : it->second.entries) names.push_back(entry.first);
    return names;
  }
  status remove_file(const std::string& path) {
    const std::string p = normalize_memory_path(path);
    std::lock_guard guard(mu_);
    if (status s = run_hook(memory_fs_op::remove, p, path); !s.ok()) return s;
    if (p.empty()) return invalid_path(path, "unlink");
    if (dirs_.count(p) != 0) return status::io_error(path + ": unlink: is a directory");
    auto* dir = parent_dir(p);
    const auto name = split_memory_path(p).second;
    if (dir == nullptr || dir->entries.count(name) == 0)
      return status::io_error(path + ": unlink: no such file or directory");
    dir->entries.erase(name);
    return {};
  }
  status create_dir(const std::string& dir) {
    const std::string p = normalize_memory_path(dir);
    std::lock_guard guard(mu_);
    // An existing directory is no operation (mkdir(2) answers EEXIST before
    // it needs space): no fault or crash point.
    if (!p.empty() && dirs_.count(p) != 0) return {};
    if (status s = run_hook(memory_fs_op::create_dir, p, dir); !s.ok()) return s;
    if (p.empty()) return invalid_path(dir, "mkdir");
    auto* parent = parent_dir(p);
    if (parent == nullptr)
      return status::io_error(dir + ": mkdir: no such file or directory (parent " +
                              split_memory_path(p).first + " is missing)");
    const auto name = split_memory_path(p).second;
    // A file by that name (a directory of that name returned above).
    if (parent->entries.count(name) != 0)
      return status::io_error(dir + ": mkdir: exists and is not a directory");
    parent->entries.emplace(name, memory_dir_entry{});
    dirs_[p];
    return {};
  }
  result<std::uint64_t> file_size(const std::string& path) {
    const std::string p = normalize_memory_path(path);
    std::lock_guard guard(mu_);
    if (dirs_.count(p) != 0) return status::io_error(path + ": stat: is a directory");
    const auto* node = find_file(p);
    if (node == nullptr) return status::io_error(path + ": stat: no such file or directory");
    return static_cast<std::uint64_t>(node->data.size());
  }
  status rename_file(const std::string& from, const std::string& to) {
    const std::string f = normalize_memory_path(from);
    const std::string t = normalize_memory_path(to);
    std::lock_guard guard(mu_);
    if (status s = run_hook(memory_fs_op::rename, f, from); !s.ok()) return s;
    const std::string what = from + ": rename to " + to;
    if (f.empty() || t.empty()) return status::io_error(what + ": invalid path");
    if (dirs_.count(f) != 0)
      return status::not_supported(what + ": renaming a directory is not supported");
    auto* from_dir = parent_dir(f);
    const auto from_name = split_memory_path(f).second;
    if (from_dir == nullptr || from_dir->entries.count(from_name) == 0)
      return status::io_error(what + ": no such file or directory");
    if (dirs_.count(t) != 0) return status::io_error(what + ": target is a directory");
    auto* to_dir = parent_dir(t);
    if (to_dir == nullptr)
      return status::io_error(what + ": no such directory " + split_memory_path(t).first);
    if (f == t) return {};
    memory_dir_entry entry = from_dir->entries[from_name];
    from_dir->entries.erase(from_name);
    to_dir->entries[split_memory_path(t).second] = std::move(entry);
    return {};
  }
  status sync_dir(const std::string& dir) {
    const std::string p = normalize_memory_path(dir);
    std::lock_guard guard(mu_);
    if (status s = run_hook(memory_fs_op::sync_dir, p, dir); !s.ok()) return s;
    const auto it = dirs_.find(p);
    if (it == dirs_.end()) return missing_dir(dir, "open directory");
    if (track_durability_) it->second.durable_entries = it->second.entries;
    return {};
  }
  result<std::unique_ptr<file_lock>> lock_file(const std::string& path);

  // --- handle operations (REQUIRES: h.core is this core) -------------------

  status read(const memory_handle_state& h, std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view& out) {
    out = {};
    std::lock_guard guard(mu_);
    if (status s = check_live(h, "read"); !s.ok()) return s;
    if (status s = run_hook(memory_fs_op::read, h.path, h.path); !s.ok()) return s;
    const std::string& data = h.node->data;
    if (offset >= data.size()) return {};
    const std::size_t start = static_cast<std::size_t>(offset);
    const std::size_t got = std::min(n, data.size() - start);
    if (got != 0) std::memcpy(scratch, data.data() + start, got);
    out = std::string_view(scratch, got);
    return {};
  }
  status append(const memory_handle_state& h, std::string_view data) {
    std::lock_guard guard(mu_);
    if (status s = check_live(h, "append"); !s.ok()) return s;
    if (status s = run_hook(memory_fs_op::append, h.path, h.path); !s.ok()) return s;
    h.node->data.append(data.data(), data.size());
    return {};
  }
  status sync(const memory_handle_state& h) {
    std::lock_guard guard(mu_);
    if (status s = check_live(h, "sync"); !s.ok()) return s;
    if (status s = run_hook(memory_fs_op::sync, h.path, h.path); !s.ok()) return s;
    h.node->durable_size = h.node->data.size();
    return {};
  }
  /// For operations the hook does not see (skip, flush, close).
  status check_live(const memory_handle_state& h, const char* what) const {
    if (h.epoch != epoch_)
      return status::io_error(h.path + ": " + what +
                              ": file handle invalidated by a simulated crash");
    return {};
  }
  status check_live_locked(const memory_handle_state& h, const char* what) const {
    std::lock_guard guard(mu_);
    return check_live(h, what);
  }
  void unlock_file(const std::string& path, std::uint64_t id) {
    std::lock_guard guard(mu_);
    const auto it = locks_.find(path);
    if (it != locks_.end() && it->second == id) locks_.erase(it);
  }

  // --- crashes ------------------------------------------------------------

  /// A crash: every open handle becomes dead and every lock is released. With
  /// revert (a power loss), each directory goes back to its durable entries
  /// (a directory no longer reachable from a root disappears with its
  /// contents) and each surviving file is cut to `cut(node)` bytes, which
  /// becomes its durable size. Each file is cut once, in a deterministic
  /// order. REQUIRES: the caller holds lock(); track_durability;
  /// durable_size <= cut(node) <= node.data.size().
  template <class Cut>
  void crash_locked(bool revert, Cut&& cut) {
    ++epoch_;
    locks_.clear();
    if (!revert) return;
    std::map<std::string, memory_dir_node> kept;
    std::set<const memory_file_node*> seen;
    std::vector<std::string> pending{"/", "."};
    while (!pending.empty()) {
      const std::string path = std::move(pending.back());
      pending.pop_back();
      memory_dir_node dir;
      if (auto it = dirs_.find(path); it != dirs_.end()) dir = std::move(it->second);
      dir.entries = dir.durable_entries;
      for (auto& [name, entry] : dir.entries) {
        if (entry.is_dir()) {
          pending.push_back(join_memory_path(path, name));
        } else if (seen.insert(entry.file.get()).second) {
          memory_file_node& node = *entry.file;
          const std::size_t keep = cut(static_cast<const memory_file_node&>(node));
          node.data.resize(keep);
          node.durable_size = keep;
        }
      }
      kept.emplace(path, std::move(dir));
    }
    dirs_ = std::move(kept);
  }

 private:
  static status invalid_path(const std::string& path, const char* what) {
    return status::io_error("'" + path + "': " + what + ": invalid (empty) path");
  }
  status missing_dir(const std::string& dir, const char* what) const {
    const std::string p = normalize_memory_path(dir);
    if (!p.empty() && find_file(p) != nullptr)
      return status::io_error(dir + ": " + what + ": not a directory");
    return status::io_error(dir + ": " + what + ": no such file or directory");
  }
  status run_hook(memory_fs_op op, const std::string& normalized, const std::string& path) {
    if (hook_ == nullptr) return {};
    return hook_->before(op, normalized.empty() ? path : normalized);
  }
  /// The directory holding p, or null. REQUIRES: p normalized, mu_ held.
  memory_dir_node* parent_dir(const std::string& p) {
    if (p.empty() || is_memory_root(p)) return nullptr;
    const auto it = dirs_.find(split_memory_path(p).first);
    return it == dirs_.end() ? nullptr : &it->second;
  }
  memory_file_node* find_file(const std::string& p) const {
    if (p.empty() || is_memory_root(p)) return nullptr;
    const auto dir = dirs_.find(split_memory_path(p).first);
    if (dir == dirs_.end()) return nullptr;
    const auto it = dir->second.entries.find(split_memory_path(p).second);
    if (it == dir->second.entries.end() || it->second.is_dir()) return nullptr;
    return it->second.file.get();
  }
  std::shared_ptr<memory_file_node> find_file_shared(const std::string& p) const {
    if (p.empty() || is_memory_root(p)) return nullptr;
    const auto dir = dirs_.find(split_memory_path(p).first);
    if (dir == dirs_.end()) return nullptr;
    const auto it = dir->second.entries.find(split_memory_path(p).second);
    if (it == dir->second.entries.end()) return nullptr;
    return it->second.file;
  }
  result<memory_handle_state> open_for_read(const std::string& path) {
    const std::string p = normalize_memory_path(path);
    std::lock_guard guard(mu_);
    if (p.empty()) return invalid_path(path, "open");
    if (dirs_.count(p) != 0) return status::io_error(path + ": open: is a directory");
    auto node = find_file_shared(p);
    if (node == nullptr) return status::io_error(path + ": open: no such file or directory");
    return memory_handle_state{shared_from_this(), std::move(node), path, epoch_};
  }

  const bool track_durability_;
  mutable std::mutex mu_;
  std::map<std::string, memory_dir_node> dirs_;  // by normalized path
  std::map<std::string, std::uint64_t> locks_;   // normalized path -> lock id
  std::uint64_t next_lock_id_ = 0;
  std::uint64_t epoch_ = 0;  // bumped by every crash
  std::unique_ptr<memory_fs_hook> hook_;
};

class memory_sequential_file final : public sequential_file {
 public:
  explicit memory_sequential_file(memory_handle_state h) : h_(std::move(h)) {}
  status read(std::size_t n, char* scratch, std::string_view& out) override {
    status s = h_.core->read(h_, pos_, n, scratch, out);
    if (s.ok()) pos_ += out.size();
    return s;
  }
  status skip(std::uint64_t n) override {
    if (status s = h_.core->check_live_locked(h_, "skip"); !s.ok()) return s;
    pos_ += n;
    return {};
  }

 private:
  memory_handle_state h_;
  std::uint64_t pos_ = 0;
};

class memory_random_access_file final : public random_access_file {
 public:
  explicit memory_random_access_file(memory_handle_state h) : h_(std::move(h)) {}
  status read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view& out) const override {
    return h_.core->read(h_, offset, n, scratch, out);
  }

 private:
  memory_handle_state h_;
};

class memory_writable_file final : public writable_file {
 public:
  explicit memory_writable_file(memory_handle_state h) : h_(std::move(h)) {}
  status append(std::string_view data) override {
    if (closed_) return closed_error("append");
    return h_.core->append(h_, data);
  }
  status flush() override {
    if (closed_) return closed_error("flush");
    return h_.core->check_live_locked(h_, "flush");
  }
  status sync() override {
    if (closed_) return closed_error("sync");
    return h_.core->sync(h_);
  }
  status close() override {
    if (closed_) return {};
    closed_ = true;
    return h_.core->check_live_locked(h_, "close");
  }

 private:
  status closed_error(const char* what) const {
    return status::io_error(h_.path + ": " + what + ": file is closed");
  }
  memory_handle_state h_;
  bool closed_ = false;
};

class memory_file_lock final : public file_lock {
 public:
  memory_file_lock(std::shared_ptr<memory_fs_core> core, std::string path, std::uint64_t id)
      : core_(std::move(core)), path_(std::move(path)), id_(id) {}
  ~memory_file_lock() override { core_->unlock_file(path_, id_); }
  memory_file_lock(const memory_file_lock&) = delete;
  memory_file_lock& operator=(const memory_file_lock&) = delete;

 private:
  std::shared_ptr<memory_fs_core> core_;
  std::string path_;  // normalized
  std::uint64_t id_;
};

inline result<std::unique_ptr<sequential_file>> memory_fs_core::new_sequential_file(
    const std::string& path) {
  auto h = open_for_read(path);
  if (!h.ok()) return h.take_status();
  return std::unique_ptr<sequential_file>(new memory_sequential_file(std::move(*h)));
}

inline result<std::unique_ptr<random_access_file>> memory_fs_core::new_random_access_file(
    const std::string& path) {
  auto h = open_for_read(path);
  if (!h.ok()) return h.take_status();
  return std::unique_ptr<random_access_file>(new memory_random_access_file(std::move(*h)));
}

inline result<std::unique_ptr<writable_file>> memory_fs_core::new_writable_file(
    const std::string& path, bool truncate) {
  const std::string p = normalize_memory_path(path);
  std::lock_guard guard(mu_);
  if (status s = run_hook(memory_fs_op::create_file, p, path); !s.ok()) return s;
  const char* what = truncate ? "open for writing" : "open for appending";
  if (p.empty()) return invalid_path(path, what);
  if (dirs_.count(p) != 0) return status::io_error(path + ": " + what + ": is a directory");
  auto* dir = parent_dir(p);
  if (dir == nullptr)
    return status::io_error(path + ": " + what + ": no such directory " +
                            split_memory_path(p).first);
  memory_dir_entry& entry = dir->entries[split_memory_path(p).second];
  if (entry.file == nullptr) {
    entry.file = std::make_shared<memory_file_node>();
  } else if (truncate) {
    // Truncation in place (other handles see it); the old bytes are not
    // kept for a later crash: the file is durably empty until synced.
    entry.file->data.clear();
    entry.file->durable_size = 0;
  }
  return std::unique_ptr<writable_file>(
      new memory_writable_file(memory_handle_state{shared_from_this(), entry.file, path, epoch_}));
}

inline result<std::unique_ptr<file_lock>> memory_fs_core::lock_file(const std::string& path) {
  const std::string p = normalize_memory_path(path);
  std::lock_guard guard(mu_);
  if (p.empty()) return invalid_path(path, "lock");
  if (locks_.count(p) != 0) return status::busy(path + ": already locked by this process");
  if (dirs_.count(p) != 0) return status::io_error(path + ": open lock file: is a directory");
  auto* dir = parent_dir(p);
  if (dir == nullptr)
    return status::io_error(path + ": open lock file: no such directory " +
                            split_memory_path(p).first);
  memory_dir_entry& entry = dir->entries[split_memory_path(p).second];
  if (entry.file == nullptr) entry.file = std::make_shared<memory_file_node>();
  const std::uint64_t id = ++next_lock_id_;
  locks_[p] = id;
  return std::unique_ptr<file_lock>(new memory_file_lock(shared_from_this(), p, id));
}

}  // namespace detail

/// A thread-safe file system held in memory (see the file comment).
class memory_file_system final : public file_system {
 public:
  memory_file_system() : core_(std::make_shared<detail::memory_fs_core>(false)) {}
  memory_file_system(const memory_file_system&) = delete;
  memory_file_system& operator=(const memory_file_system&) = delete;

  result<std::unique_ptr<sequential_file>> new_sequential_file(const std::string& path) override {
    return core_->new_sequential_file(path);
  }
  result<std::unique_ptr<random_access_file>> new_random_access_file(
      const std::string& path) override {
    return core_->new_random_access_file(path);
  }
  result<std::unique_ptr<writable_file>> new_writable_file(const std::string& path) override {
    return core_->new_writable_file(path, true);
  }
  result<std::unique_ptr<writable_file>> new_appendable_file(const std::string& path) override {
    return core_->new_writable_file(path, false);
  }
  bool file_exists(const std::string& path) override { return core_->file_exists(path); }
  result<std::vector<std::string>> get_children(const std::string& dir) override {
    return core_->get_children(dir);
  }
  status remove_file(const std::string& path) override { return core_->remove_file(path); }
  status create_dir(const std::string& dir) override { return core_->create_dir(dir); }
  result<std::uint64_t> file_size(const std::string& path) override {
    return core_->file_size(path);
  }
  status rename_file(const std::string& from, const std::string& to) override {
    return core_->rename_file(from, to);
  }
  status sync_dir(const std::string& dir) override { return core_->sync_dir(dir); }
  result<std::unique_ptr<file_lock>> lock_file(const std::string& path) override {
    return core_->lock_file(path);
  }

 private:
  std::shared_ptr<detail::memory_fs_core> core_;
};

}  // namespace v0
}  // namespace lsm
