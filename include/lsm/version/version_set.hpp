// lsm/version/version_set.hpp — the current version and the MANIFEST that
// makes it durable: recovery from CURRENT + MANIFEST, and log_and_apply(),
// which appends a version edit, syncs it and only then publishes the new
// version.
//
// Durability order (DESIGN.md §3): the files an edit adds are already synced
// (with their directory) before log_and_apply; the edit is appended and the
// MANIFEST synced before the new version is visible; CURRENT is replaced by
// temp file + sync + rename + directory sync. A failed MANIFEST write or sync
// is sticky: every later log_and_apply fails until the tree is reopened.
//
// Thread safety: REQUIRES external serialization of recover(),
// log_and_apply() and the setters (the engine's manifest mutex);
// current() and the counters are safe to read concurrently.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lsm/codec/coding.hpp"
#include "lsm/io/crc32c.hpp"
#include "lsm/io/file_names.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/io/whole_file.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/version/version.hpp"
#include "lsm/version/policy_names.hpp"
#include "lsm/version/version_edit.hpp"
#include "lsm/wal/reader.hpp"
#include "lsm/wal/writer.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr std::uint64_t max_manifest_size = 4 << 20;

/// Numbers of table files no longer referenced by anything, waiting for
/// deletion: the last handle of an obsolete table_file queues its number here.
class obsolete_files {
 public:
  /// Queues file `number`, and the reader its handle kept (may be null): the
  /// reader is closed by whoever takes the queue, not by whichever thread
  /// let go of the handle last (possibly one holding the engine's mutex).
  void add(std::uint64_t number, std::shared_ptr<const void> reader = nullptr) {
    std::lock_guard lock(mu_);
    numbers_.push_back(number);
    if (reader) readers_.push_back(std::move(reader));
  }
  std::vector<std::uint64_t> take() {
    std::lock_guard lock(mu_);
    return std::exchange(numbers_, {});
  }
  /// The queued readers: they close when the caller lets go of them.
  std::vector<std::shared_ptr<const void>> take_readers() {
    std::lock_guard lock(mu_);
    return std::exchange(readers_, {});
  }

 private:
  std::mutex mu_;
  std::vector<std::uint64_t> numbers_;
  std::vector<std::shared_ptr<const void>> readers_;
};

inline table_file::~table_file() {
  if (obsolete_.load(std::memory_order_acquire) && sink_)
    sink_->add(meta_.number, std::move(reader_owner_));
}

/// The MANIFEST that a directory's CURRENT names.
struct current_manifest {
  std::string name;  ///< "MANIFEST-NNNNNN", as CURRENT spells it
  std::uint64_t number = 0;
};

/// Reads dir's CURRENT, checked: it holds a MANIFEST's name and a newline.
inline result<current_manifest> read_current(file_system& fs, const std::string& dir) {
  const std::string path = current_file_name(dir);
  std::string current;
  if (status s = read_file_to_string(fs, path, current); !s.ok()) return s;
  if (current.empty() || current.back() != '\n')
    return status::corruption(path + ": expected a manifest name ending in a newline");
  current.pop_back();
  std::uint64_t number = 0;
  file_type type{};
  if (!parse_file_name(current, number, type) || type != file_type::manifest)
    return status::corruption(path + ": '" + current + "' is not a manifest name");
  return current_manifest{std::move(current), number};
}

/// Points dir's CURRENT at MANIFEST `manifest_number`: a synced temp file
/// renamed over it, then the directory synced. `renamed` tells whether the
/// rename happened (then CURRENT may name the new MANIFEST even when the
/// call fails).
inline status write_current(file_system& fs, const std::string& dir, std::uint64_t manifest_number,
                            bool& renamed) {
  const std::string temp = temp_file_name(dir, manifest_number);
  std::string contents = manifest_file_name(dir, manifest_number).substr(dir.size() + 1);
  contents += '\n';
  status s = write_string_to_file(fs, contents, temp, true);
  if (s.ok()) {
    s = fs.rename_file(temp, current_file_name(dir));
    renamed = s.ok();
  }
  if (s.ok()) s = fs.sync_dir(dir);
  if (!s.ok() && !renamed) (void)fs.remove_file(temp);
  return s;
}

template <key_comparator Comparator>
class version_set {
  using icmp = internal_key_comparator<Comparator>;

 public:
  version_set(std::shared_ptr<file_system> fs, std::string dir, policy_names names)
      : fs_(std::move(fs)),
        dir_(std::move(dir)),
        names_(std::move(names)),
        sink_(std::make_shared<obsolete_files>()),
        current_(std::make_shared<version>()) {}

  version_ptr current() const {
    std::lock_guard lock(current_mu_);
    return current_;
  }
  const std::shared_ptr<obsolete_files>& obsolete() const { return sink_; }

  std::uint64_t new_file_number() { return next_file_number_.fetch_add(1); }
  std::uint64_t next_file_number() const { return next_file_number_.load(); }
  /// Readable without the manifest mutex (remove_obsolete_files reads both
  /// while a flush or compaction applies an edit).
  std::uint64_t log_number() const { return log_number_.load(std::memory_order_acquire); }
  std::uint64_t manifest_number() const { return manifest_number_.load(std::memory_order_acquire); }
  sequence_number last_sequence() const { return last_sequence_; }
  void set_last_sequence(sequence_number s) { last_sequence_ = std::max(last_sequence_, s); }
  void mark_file_number_used(std::uint64_t n) {
    std::uint64_t cur = next_file_number_.load();
    while (cur <= n && !next_file_number_.compare_exchange_weak(cur, n + 1)) {
    }
  }
  const status& sticky_error() const { return sticky_; }

  /// Reads CURRENT and the MANIFEST it names into the current version.
  /// Sets `exists` false (and returns ok) when there is no CURRENT.
  status recover(bool& exists) {
    if (!fs_->file_exists(current_file_name(dir_))) {
      exists = false;
      return {};
    }
    exists = true;
    auto current = read_current(*fs_, dir_);
    if (!current.ok()) return current.take_status();
    const std::uint64_t number = current->number;
    const std::string manifest_path = dir_ + "/" + current->name;
    auto file = fs_->new_sequential_file(manifest_path);
    if (!file.ok()) return file.take_status();

    status s;
    builder b;
    wal::reader reader(**file, manifest_path, true);
    std::string_view record;
    std::string scratch;
    bool have_log = false, have_next = false, have_last = false, have_names = false;
    std::uint64_t log_number = 0, next_file = 0;
    sequence_number last_seq = 0;
    while (reader.read_record(record, scratch)) {
      version_edit edit;
      s = edit.decode_from(record);
      if (!s.ok())
        return status::corruption(manifest_path + ": record at offset " +
                                  std::to_string(reader.last_record_offset()) + ": " + s.message());
      if (edit.comparator_name || edit.codec_name || edit.filter_name) {
        have_names = true;
        s = check_name("comparator", edit.comparator_name, names_.comparator);
        if (s.ok()) s = check_name("codec", edit.codec_name, names_.codec);
        if (s.ok()) s = check_name("filter", edit.filter_name, names_.filter);
        if (!s.ok()) return s;
      }
      b.apply(edit);
      if (edit.log_number) have_log = true, log_number = *edit.log_number;
      if (edit.next_file_number) have_next = true, next_file = *edit.next_file_number;
      if (edit.last_sequence) have_last = true, last_seq = *edit.last_sequence;
    }
    if (!reader.get_status().ok()) return reader.get_status();
    if (reader.torn_tail()) {
      s = check_manifest_tail(manifest_path);
      if (!s.ok()) return s;
    }
    if (!have_names) return status::corruption(manifest_path + ": no policy names recorded");
    if (!have_log || !have_next || !have_last)
      return status::corruption(manifest_path + ": missing " +
                                std::string(!have_log    ? "log number"
                                            : !have_next ? "next file number"
                                                         : "last sequence"));
    auto v = b.build(sink_);
    if (!v.ok()) return status::corruption(manifest_path + ": " + v.get_status().message());
    {
      std::lock_guard lock(current_mu_);
      current_ = std::move(*v);
    }
    log_number_ = log_number;
    last_sequence_ = last_seq;
    next_file_number_ = std::max<std::uint64_t>(next_file, number + 1);
    manifest_number_ = number;
    return {};
  }

  /// Appends edit to the MANIFEST (starting a new one when there is none
  /// open or it grew too large), syncs it and publishes the new version.
  status log_and_apply(version_edit& edit) {
    if (!sticky_.ok()) return sticky_;
    // The WALs below log_number_ are deleted: it moves only with an edit
    // that is recorded (it is back as it was after any failure).
    const std::uint64_t old_log_number = log_number_.load();
    if (edit.log_number) log_number_ = *edit.log_number;
    edit.next_file_number = next_file_number_.load() + 1;  // room for a new manifest
    edit.last_sequence = last_sequence_;

    builder b;
    version_ptr base = current();
    b.start_from(*base);
    b.apply(edit);
    auto v = b.build(sink_);
    if (!v.ok()) return v.take_status();

    status s;
    const bool starting = !manifest_ || manifest_writer_->offset() > max_manifest_size;
    bool renamed = false;
    if (starting) {
      s = start_new_manifest(**v, edit, renamed);
    } else {
      std::string record;
      edit.encode_to(record);
      s = manifest_writer_->add_record(record);
      if (s.ok()) s = manifest_->sync();
    }
    if (!s.ok()) {
      log_number_ = old_log_number;
      // A new MANIFEST that CURRENT never named was removed: nothing durable
      // changed and the live MANIFEST (if any) is as it was, so the edit
      // simply did not happen (the caller may try again).
      if (starting && !renamed)
        return status(s.code(), "starting a new MANIFEST failed: " + s.message());
      sticky_ =
          status(s.code(), "MANIFEST write failed (writes refused until reopen): " + s.message());
      return sticky_;
    }
    std::set<std::uint64_t> kept;  // a trivial move deletes and re-adds one file
    for (const auto& [level, meta] : edit.new_files) kept.insert(meta.number);
    for (const auto& [level, number] : edit.deleted_files)
      if (!kept.count(number))
        for (const auto& f : base->levels[static_cast<std::size_t>(level)])
          if (f->number() == number) f->mark_obsolete();
    std::lock_guard lock(current_mu_);
    current_ = std::move(*v);
    return {};
  }

  /// The first record of a MANIFEST that starts from v: the format, the
  /// names the tree was written with, and every file of v. The caller sets
  /// the counters (log number, next file number, last sequence).
  version_edit snapshot_of(const version& v) const {
    version_edit snap;
    snap.format_version = manifest_format_version;
    snap.comparator_name = names_.comparator;
    snap.codec_name = names_.codec;
    snap.filter_name = names_.filter;
    for (int level = 0; level < max_levels; ++level)
      for (const auto& f : v.levels[static_cast<std::size_t>(level)])
        snap.new_files.emplace_back(level, f->meta());
    return snap;
  }

  /// Numbers of every file some live version refers to are not tracked here:
  /// callers use current() plus pending outputs to decide what is garbage.

 private:
  static status check_name(const char* what, const std::optional<std::string>& stored,
                           const std::string& asked) {
    if (stored && *stored != asked)
      return status::invalid_argument(std::string("the directory was written with ") + what + " '" +
                                      *stored + "', but this tree uses '" + asked + "'");
    return {};
  }

  /// Writes a new MANIFEST holding the whole of `v` plus edit's counters,
  /// then points CURRENT at it. `renamed` tells whether CURRENT may name it
  /// (on failure: else the new file is gone).
  status start_new_manifest(const version& v, const version_edit& edit, bool& renamed) {
    const std::uint64_t number = new_file_number();
    const std::string path = manifest_file_name(dir_, number);
    auto file = fs_->new_writable_file(path);
    if (!file.ok()) return file.take_status();
    auto writer = std::make_unique<wal::writer>(**file);
    version_edit snap = snapshot_of(v);
    snap.log_number = log_number_.load();
    snap.next_file_number = next_file_number_.load() + 1;
    snap.last_sequence = last_sequence_;
    (void)edit;
    std::string record;
    snap.encode_to(record);
    status s = writer->add_record(record);
    if (s.ok()) s = (*file)->sync();
    if (s.ok()) s = write_current(*fs_, dir_, number, renamed);
    if (!s.ok()) {
      (void)(*file)->close();
      // Once CURRENT was renamed (its directory sync failed), a crash may
      // leave it naming either MANIFEST: both stay (the next open removes
      // the one it does not name).
      if (!renamed) (void)fs_->remove_file(path);
      return s;
    }
    const std::uint64_t old = manifest_number_.load();
    manifest_ = std::move(*file);
    manifest_writer_ = std::move(writer);
    manifest_number_ = number;
    if (old != 0 && old != number) (void)fs_->remove_file(manifest_file_name(dir_, old));
    return {};
  }

  /// Every MANIFEST record is synced before anything relies on it, so the
  /// only tail a crash can leave is a cut fragment (or zero-filled space): a
  /// complete fragment failing its checksum is damage to a record that was
  /// durable, and dropping it would silently lose files. (A damaged length
  /// that makes the last fragment run past the end still looks cut.)
  status check_manifest_tail(const std::string& path) {
    std::string bytes;
    status s = read_file_to_string(*fs_, path, bytes);
    if (!s.ok()) return s;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      const std::size_t left_in_block = wal::block_size - pos % wal::block_size;
      if (left_in_block < wal::header_size) {
        pos += left_in_block;
        continue;
      }
      if (bytes.size() - pos < wal::header_size) return {};  // a cut header
      const std::size_t length =
          static_cast<unsigned char>(bytes[pos + 4]) |
          static_cast<std::size_t>(static_cast<unsigned char>(bytes[pos + 5])) << 8;
      const std::uint32_t stored = decode_fixed32(bytes.data() + pos);
      if (pos + wal::header_size + length > bytes.size()) {
        // A cut payload, unless the bytes to the end of the file (and block)
        // are a whole fragment whose length field is damaged: their
        // checksum matches.
        const std::size_t end = std::min(bytes.size(), pos + left_in_block);
        const std::string_view rest =
            std::string_view(bytes).substr(pos + wal::header_size, end - pos - wal::header_size);
        if (stored == wal::fragment_checksum(static_cast<wal::record_type>(bytes[pos + 6]), rest))
          return status::corruption(
              path + ": damaged record at offset " + std::to_string(pos) +
              " at the end of the MANIFEST: its length field says " + std::to_string(length) +
              " bytes, but the " + std::to_string(rest.size()) +
              " bytes to the end hold the whole record (checksum " + wal::hex(stored) + ")");
        return {};  // a cut payload
      }
      const std::uint32_t computed =
          wal::fragment_checksum(static_cast<wal::record_type>(bytes[pos + 6]),
                                 std::string_view(bytes).substr(pos + wal::header_size, length));
      if (stored != computed) {
        if (bytes.find_first_not_of('\0', pos) == std::string::npos) return {};  // zero-filled
        return status::corruption(path + ": damaged record at offset " + std::to_string(pos) +
                                  " at the end of the MANIFEST: checksum mismatch: stored " +
                                  wal::hex(stored) + ", computed " + wal::hex(computed));
      }
      pos += wal::header_size + length;
    }
    return {};
  }

  /// Accumulates edits on top of a base version.
  class builder {
   public:
    void start_from(const version& v) {
      for (int level = 0; level < max_levels; ++level)
        for (const auto& f : v.levels[static_cast<std::size_t>(level)])
          files_[static_cast<std::size_t>(level)][f->number()] = f;
    }
    void apply(const version_edit& edit) {
      for (const auto& [level, number] : edit.deleted_files)
        if (level >= 0 && level < max_levels) {
          auto& files = files_[static_cast<std::size_t>(level)];
          if (auto it = files.find(number); it != files.end()) {
            removed_[number] = it->second;
            files.erase(it);
          }
        }
      for (const auto& [level, meta] : edit.new_files)
        if (level >= 0 && level < max_levels)
          pending_[static_cast<std::size_t>(level)][meta.number] = meta;
      for (const auto& [level, number] : edit.deleted_files)
        if (level >= 0 && level < max_levels)
          pending_[static_cast<std::size_t>(level)].erase(number);
    }
    result<std::shared_ptr<const version>> build(const std::shared_ptr<obsolete_files>& sink) {
      auto v = std::make_shared<version>();
      for (std::size_t level = 0; level < max_levels; ++level) {
        auto& out = v->levels[level];
        for (auto& [number, f] : files_[level]) out.push_back(f);
        for (auto& [number, meta] : pending_[level]) {
          auto f = std::make_shared<const table_file>(meta, sink);
          // A file moved to another level (a trivial move) keeps its open
          // reader: the two handles share it, nothing is reopened or closed.
          if (auto it = removed_.find(number); it != removed_.end())
            if (const void* r = it->second->reader())
              (void)f->keep_reader(r, it->second->reader_owner());
          out.push_back(std::move(f));
        }
        if (level == 0) {
          std::sort(out.begin(), out.end(), [](const table_file_ptr& a, const table_file_ptr& b) {
            if (a->meta().largest_seq != b->meta().largest_seq)
              return a->meta().largest_seq > b->meta().largest_seq;
            return a->number() > b->number();
          });
        } else {
          std::sort(out.begin(), out.end(), [](const table_file_ptr& a, const table_file_ptr& b) {
            return icmp::compare(a->meta().smallest, b->meta().smallest) < 0;
          });
          for (std::size_t i = 1; i < out.size(); ++i)
            if (icmp::compare(out[i - 1]->meta().largest, out[i]->meta().smallest) >= 0)
              return status::corruption("level " + std::to_string(level) + ": files " +
                                        std::to_string(out[i - 1]->number()) + " and " +
                                        std::to_string(out[i]->number()) + " overlap");
        }
      }
      return std::shared_ptr<const version>(std::move(v));
    }

   private:
    std::map<std::uint64_t, table_file_ptr> files_[max_levels];
    std::map<std::uint64_t, file_meta> pending_[max_levels];
    std::map<std::uint64_t, table_file_ptr> removed_;  // handles the edits took out
  };

  std::shared_ptr<file_system> fs_;
  std::string dir_;
  policy_names names_;
  std::shared_ptr<obsolete_files> sink_;
  mutable std::mutex current_mu_;
  version_ptr current_;
  std::atomic<std::uint64_t> next_file_number_{2};
  std::atomic<std::uint64_t> log_number_{0};
  std::atomic<std::uint64_t> manifest_number_{0};
  sequence_number last_sequence_ = 0;
  std::unique_ptr<writable_file> manifest_;
  std::unique_ptr<wal::writer> manifest_writer_;
  status sticky_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
