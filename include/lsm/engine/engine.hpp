// lsm/engine/engine.hpp — the byte-level LSM engine under lsm::tree: open and
// recovery, the writer queue with group commit, memtable switching, the
// background flush and compaction threads, point lookups and iterators.
//
// Keys and values here are encoded bytes ordered by Comparator; the typed
// façade (tree.hpp) encodes and decodes. One instantiation per
// (Comparator, Memtable, Filter, Compaction).
//
// Thread safety: every public member is thread-safe.
// Locks: mu_ guards the writer queue, the memtable list, the background
// state and the published super version; manifest_mu_ serializes version
// edits (taken before mu_, never while holding it); obsolete_mu_ serializes
// the removal of obsolete files (taken before mu_). No lock is held across
// I/O on the read path; writers do WAL I/O outside mu_ (as the queue leader).
// Invariants: the published super version always holds the current memtable,
// the immutable memtables newest first, and the current version; a reader
// pins all three with one shared_ptr copy.
#pragma once

#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "lsm/cache/lru_cache.hpp"
#include "lsm/cache/table_cache.hpp"
#include "lsm/compaction/policy.hpp"
#include "lsm/engine/engine_api.hpp"
#include "lsm/engine/published.hpp"
#include "lsm/engine/range_tombstones.hpp"
#include "lsm/engine/snapshot_list.hpp"
#include "lsm/engine/write_batch.hpp"
#include "lsm/io/file_names.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/io/posix_file_system.hpp"
#include "lsm/io/whole_file.hpp"
#include "lsm/iter/db_iterator.hpp"
#include "lsm/iter/level_iterator.hpp"
#include "lsm/iter/merging_iterator.hpp"
#include "lsm/memtable/entry.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/options.hpp"
#include "lsm/snapshot.hpp"
#include "lsm/sst/table_builder.hpp"
#include "lsm/sst/table_reader.hpp"
#include "lsm/stats.hpp"
#include "lsm/version/version_set.hpp"
#include "lsm/wal/reader.hpp"
#include "lsm/wal/writer.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// An iterator that keeps what its child reads from alive.
class pinned_iterator final : public internal_iterator {
 public:
  pinned_iterator(std::unique_ptr<internal_iterator> child, std::shared_ptr<const void> pin)
      : pin_(std::move(pin)), child_(std::move(child)) {}
  bool valid() const override { return child_->valid(); }
  void seek_to_first() override { child_->seek_to_first(); }
  void seek_to_last() override { child_->seek_to_last(); }
  void seek(std::string_view t) override { child_->seek(t); }
  void next() override { child_->next(); }
  void prev() override { child_->prev(); }
  std::string_view key() const override { return child_->key(); }
  std::string_view value() const override { return child_->value(); }
  status get_status() const override { return child_->get_status(); }

 private:
  std::shared_ptr<const void> pin_;  // destroyed after child_
  std::unique_ptr<internal_iterator> child_;
};

template <key_comparator Comparator, class Memtable, class Filter, class Compaction>
class engine final : public engine_api {
 public:
  using comparator = Comparator;
  using icmp = internal_key_comparator<Comparator>;
  using mem_table = typename Memtable::template table<Comparator>;
  using table = table_reader<Comparator, Filter>;
  using table_builder_type = table_builder<Comparator, Filter>;
  using user_iterator = db_iterator<Comparator>;

  /// A memtable with its range tombstones and the WAL that backs it.
  struct memtable_state {
    mem_table table;
    mutable std::shared_mutex tombstone_mu;
    std::vector<range_tombstone_entry> tombstones;
    std::atomic<bool> has_tombstones{false};
    std::uint64_t log_number = 0;

    bool empty() const { return table.size() == 0 && !has_tombstones.load(); }
    /// Highest visible tombstone sequence covering user_key.
    sequence_number max_tombstone(std::string_view user_key, sequence_number snap) const {
      if (!has_tombstones.load(std::memory_order_acquire)) return 0;
      std::shared_lock lock(tombstone_mu);
      sequence_number best = 0;
      for (const auto& t : tombstones)
        if (t.seq <= snap && t.seq > best && Comparator::compare(t.first, user_key) <= 0 &&
            Comparator::compare(user_key, t.last) < 0)
          best = t.seq;
      return best;
    }
    void add_tombstone(std::string_view first, std::string_view last, sequence_number seq) {
      std::unique_lock lock(tombstone_mu);
      tombstones.push_back({std::string(first), std::string(last), seq});
      has_tombstones.store(true, std::memory_order_release);
    }
    std::vector<range_tombstone_entry> tombstones_copy() const {
      std::shared_lock lock(tombstone_mu);
      return tombstones;
    }
  };
  using mem_ptr = std::shared_ptr<memtable_state>;

  struct super_version {
    mem_ptr mem;
    std::vector<mem_ptr> imms;  // newest first
    version_ptr current;
  };
  using super_ptr = std::shared_ptr<const super_version>;

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Opens or creates the tree in `dir`; `repair` rebuilds its MANIFEST
  /// first (see salvage_tables).
  static result<std::unique_ptr<engine>> open(const std::string& dir, const options& opts,
                                              policy_names names,
                                              open_mode mode = open_mode::normal) {
    std::unique_ptr<engine> e(new engine(dir, opts, std::move(names)));
    e->repairing_ = mode == open_mode::repair;
    status s = e->recover();
    if (!s.ok()) {
      e->shutdown();
      return s;
    }
    e->start_threads();
    return e;
  }

  ~engine() override { shutdown(); }

  // ---- writes -------------------------------------------------------------

  /// Applies batch atomically. REQUIRES: batch holds no sequence number yet.
  status write(write_batch& batch, bool sync) override {
    pending_writer w{&batch, sync};
    std::unique_lock lock(mu_);
    writers_.push_back(&w);
    while (!w.done && &w != writers_.front()) w.cv.wait(lock);
    if (w.done) return w.result;

    status s = make_room_for_write(lock, batch.empty());
    pending_writer* last = &w;
    write_batch* group = &batch;
    if (s.ok()) {
      group = build_group(last);
      const sequence_number first = last_sequence_.load(std::memory_order_relaxed) + 1;
      group->set_sequence(first);
      const sequence_number last_seq = first + group->count() - 1;
      // Only the queue leader switches memtables: mem_ stays put until we pop.
      memtable_state* mem = mem_.get();
      lock.unlock();
      if (w.sync_group && !log_preallocating_) {
        log_file_->set_preallocation(wal_preallocation_step);
        log_preallocating_ = true;
      }
      s = log_writer_->add_record(group->contents());
      if (s.ok()) s = log_file_->flush();
      const bool appended = s.ok();  // else the append failed, not a sync
      if (s.ok() && w.sync_group) s = log_file_->sync();
      if (s.ok() && w.sync_group && !log_dir_synced_) {
        // The WAL made by the last memtable switch is not in the directory
        // for sure until the directory is synced.
        s = fs_->sync_dir(dir_);
        if (s.ok()) log_dir_synced_ = true;
      }
      if (s.ok()) {
        stats_.wal_bytes_written += group->byte_size();
        if (w.sync_group) ++stats_.wal_syncs;
        insert_into(*mem, *group);
      }
      lock.lock();
      if (s.ok()) {
        last_sequence_.store(last_seq, std::memory_order_release);
        stats_.user_bytes_written += group->user_bytes();
      } else if (!appended) {
        // The append failed (a full disk, an I/O error): the WAL may end in
        // part of this record, so nothing more goes into it, and the next
        // write starts a new one (replace_broken_log). Recovery drops a torn
        // record at the end of a WAL, and what the WAL acknowledged before is
        // in the memtable. The group's sequence numbers are spent, so none
        // is used twice should the record be whole after all.
        log_broken_ = true;
        last_sequence_.store(last_seq, std::memory_order_release);
      } else {
        // A failed sync (or directory sync) is sticky: never retry an
        // fsync and assume the data reached the disk.
        set_background_error(
            status(s.code(), "WAL write failed (writes refused until reopen): " + s.message()));
      }
      if (group == &scratch_batch_) scratch_batch_.clear();
    }
    for (;;) {
      pending_writer* ready = writers_.front();
      writers_.pop_front();
      if (ready != &w) {
        ready->result = s;
        ready->done = true;
        ready->cv.notify_one();
      }
      if (ready == last) break;
    }
    if (!writers_.empty()) writers_.front()->cv.notify_one();
    return s;
  }

  // ---- reads --------------------------------------------------------------

  sequence_number latest_sequence() const override {
    return last_sequence_.load(std::memory_order_acquire);
  }

  /// Looks up user_key as of snap; `found` false when absent or deleted.
  status get(std::string_view user_key, sequence_number snap, const read_settings& settings,
             std::string& value, bool& found) override {
    found = false;
    // The lookup's super version, pinned through this thread's slot.
    typename published<super_version>::pin sv(super_);
    sequence_number tomb = 0;
    // Memtables, newest first.
    auto probe_mem = [&](const memtable_state& m, bool& done) {
      tomb = std::max(tomb, m.max_tombstone(user_key, snap));
      if (tomb == 0) {
        const memtable_lookup r = m.table.get(user_key, snap, value);
        if (r == memtable_lookup::absent) return;
        done = true;
        found = r == memtable_lookup::found;
        return;
      }
      // A tombstone covers the key: compare sequence numbers by iterating.
      auto it = m.table.new_iterator();
      it->seek(make_internal_key(user_key, snap, value_kind_for_seek));
      if (!it->valid() || Comparator::compare(extract_user_key(it->key()), user_key) != 0) return;
      done = true;
      const sequence_number seq = extract_sequence(it->key());
      if (seq < tomb || extract_kind(it->key()) != value_kind::value) return;
      value.assign(it->value());
      found = true;
    };
    bool done = false;
    probe_mem(*sv->mem, done);
    for (std::size_t i = 0; !done && i < sv->imms.size(); ++i) probe_mem(*sv->imms[i], done);
    if (done) return {};

    const lookup_key seek_key(user_key, snap);
    const std::string_view target = seek_key.internal_key();
    auto probe_file = [&](const table_file& f, bool& stop) -> status {
      std::shared_ptr<const table> held;
      const table* reader = nullptr;
      if (status s = reader_of(f, held, reader); !s.ok()) return s;
      const table& tab = *reader;
      for (const auto& rt : tab.range_tombstones())
        if (rt.seq <= snap && rt.seq > tomb && Comparator::compare(rt.first, user_key) <= 0 &&
            Comparator::compare(user_key, rt.last) < 0)
          tomb = rt.seq;
      // Per thread: its key's buffer is reused from one lookup to the next.
      thread_local typename table::lookup out;
      status s = tab.get(user_key, snap, settings, out);
      if (!s.ok()) return s;
      if (tab.has_filter()) sv.count(out.filter_skipped ? filter_hit_counter : filter_miss_counter);
      if (!out.found) return {};
      stop = true;
      if (extract_kind(out.internal_key) != value_kind::value ||
          extract_sequence(out.internal_key) < tomb)
        return {};
      value = std::move(out.value);
      found = true;
      return {};
    };
    read_charge charge{*this};
    const version& v = *sv->current;
    bool stop = false;
    for (const auto& f : v.levels[0]) {
      if (Comparator::compare(user_key, f->smallest_user_key()) < 0 ||
          Comparator::compare(user_key, f->largest_user_key()) > 0)
        continue;
      charge.note(f, 0);
      status s = probe_file(*f, stop);
      if (!s.ok() || stop) return s;
    }
    for (int level = 1; level < max_levels; ++level) {
      const auto& files = v.levels[static_cast<std::size_t>(level)];
      if (files.empty()) continue;
      // The first file whose largest internal key is >= target.
      auto it = std::partition_point(files.begin(), files.end(), [&](const table_file_ptr& f) {
        return icmp::compare(f->meta().largest, target) < 0;
      });
      if (it == files.end()) continue;
      if (Comparator::compare(user_key, (*it)->smallest_user_key()) < 0) continue;
      charge.note(*it, level);
      status s = probe_file(**it, stop);
      if (!s.ok() || stop) return s;
    }
    return {};
  }

  /// An iterator over the user's view at snap.
  std::unique_ptr<user_iterator> new_iterator(sequence_number snap, const read_settings& settings) {
    super_ptr sv = acquire_super();
    std::vector<std::unique_ptr<internal_iterator>> children;
    auto tombstones = std::make_shared<range_tombstone_set<Comparator>>();
    // The memtables are pinned by sv, which the user iterator holds.
    auto add_mem = [&](const mem_ptr& m) {
      children.push_back(m->table.new_iterator());
      for (const auto& t : m->tombstones_copy())
        if (t.seq <= snap) tombstones->add(t.first, t.last, t.seq);
    };
    add_mem(sv->mem);
    for (const auto& m : sv->imms) add_mem(m);
    status error;
    auto opener = make_opener(settings, &error);
    for (const auto& f : sv->current->levels[0]) {
      collect_tombstones(*f, snap, *tombstones, error);
      children.push_back(opener(*f));
    }
    for (int level = 1; level < max_levels; ++level) {
      const auto& files = sv->current->levels[static_cast<std::size_t>(level)];
      if (files.empty()) continue;
      for (const auto& f : files) collect_tombstones(*f, snap, *tombstones, error);
      // Opened lazily, after this function returned: errors surface through
      // the iterator's status.
      children.push_back(
          std::make_unique<level_iterator<icmp>>(files, make_opener(settings, nullptr)));
    }
    tombstones->build();
    std::unique_ptr<internal_iterator> merged =
        std::make_unique<merging_iterator<icmp>>(std::move(children));
    if (!error.ok()) merged = std::make_unique<empty_iterator>(error);
    const version* v = sv->current.get();  // alive as long as the iterator: it holds sv
    auto it = std::make_unique<user_iterator>(std::move(merged), snap, std::move(tombstones),
                                              std::move(sv));
    if constexpr (seek_compaction)
      it->on_seek([this, v](std::string_view user_key) { charge_seek_overlap(*v, user_key); });
    else
      (void)v;
    return it;
  }

  /// A seek to user_key positions in every file that may hold it; when that
  /// is more than one, the first (newest) pays one allowed seek, as for a
  /// point lookup that reads a file in vain (see get; LevelDB's iterators
  /// charge sampled reads the same way). Seeks thus merge down level-0 files
  /// that a fill left behind, as lookups do.
  void charge_seek_overlap(const version& v, std::string_view user_key) {
    read_charge charge{*this};
    for (const auto& f : v.levels[0])
      if (Comparator::compare(user_key, f->smallest_user_key()) >= 0 &&
          Comparator::compare(user_key, f->largest_user_key()) <= 0 && charge.note(f, 0))
        return;
    for (int level = 1; level < max_levels; ++level) {
      const auto& files = v.levels[static_cast<std::size_t>(level)];
      auto it = std::partition_point(files.begin(), files.end(), [&](const table_file_ptr& f) {
        return Comparator::compare(f->largest_user_key(), user_key) < 0;
      });
      if (it != files.end() && Comparator::compare((*it)->smallest_user_key(), user_key) <= 0 &&
          charge.note(*it, level))
        return;
    }
  }

  /// The first file a read positions in pays for the read's having to
  /// position in a second one (LevelDB's seek compaction): one allowed seek
  /// (table_file::charge_seek), once per read.
  struct read_charge {
    engine& e;
    const table_file_ptr* first = nullptr;
    int first_level = 0;
    bool charged = false;
    /// Notes a file the read positions in; true once the read has paid.
    bool note(const table_file_ptr& f, int level) {
      if (charged) return true;
      if (first == nullptr) {
        first = &f;
        first_level = level;
        return false;
      }
      charged = true;
      if ((*first)->charge_seek()) e.note_seek_candidate(*first, first_level);
      return true;
    }
  };
  std::unique_ptr<internal_iterator> new_user_iterator(sequence_number snap,
                                                       const read_settings& settings) override {
    return new_iterator(snap, settings);
  }

  /// Every internal entry (all versions, tombstones included), merged: for
  /// tests and tools.
  std::unique_ptr<internal_iterator> new_internal_iterator() {
    super_ptr sv = acquire_super();
    std::vector<std::unique_ptr<internal_iterator>> children;
    children.push_back(std::make_unique<pinned_iterator>(sv->mem->table.new_iterator(), sv->mem));
    for (const auto& m : sv->imms)
      children.push_back(std::make_unique<pinned_iterator>(m->table.new_iterator(), m));
    auto opener = make_opener(read_settings{}, nullptr);
    for (const auto& level : sv->current->levels)
      for (const auto& f : level) children.push_back(opener(*f));
    return std::make_unique<pinned_iterator>(
        std::make_unique<merging_iterator<icmp>>(std::move(children)), sv);
  }

  snapshot take_snapshot() override { return make_snapshot(snapshots_, latest_sequence()); }

  // ---- control ------------------------------------------------------------

  /// Turns the memtable into a table and waits until it, and every older
  /// memtable, is durable (not for the memtables that writes made after
  /// the call fill meanwhile: a steady stream of writes cannot hold it up).
  status flush() override {
    std::unique_lock lock(mu_);
    if (!bg_error_.ok()) return bg_error_;
    if (!mem_->empty()) {
      // Join the writer queue so no write is in flight while switching.
      pending_writer w{nullptr, false};
      writers_.push_back(&w);
      while (&w != writers_.front()) w.cv.wait(lock);
      status s = switch_memtable();
      writers_.pop_front();
      if (!writers_.empty()) writers_.front()->cv.notify_one();
      if (!s.ok()) return s;
    }
    if (imms_.empty()) return {};
    bg_cv_.notify_all();
    // Until the newest memtable now waiting is a table (they are flushed
    // oldest first), or a flush fails (it is retried in the background;
    // the caller hears of it now).
    const mem_ptr newest = imms_.front();
    auto waiting = [&] { return std::find(imms_.begin(), imms_.end(), newest) != imms_.end(); };
    const std::uint64_t failed_before = flush_retry_.failed_jobs;
    while (waiting() && bg_error_.ok() && flush_retry_.failed_jobs == failed_before)
      done_cv_.wait(lock);
    if (!bg_error_.ok()) return bg_error_;
    if (waiting()) return flush_retry_.last;
    return {};
  }

  /// Compacts every file overlapping [first, last] (user keys; empty
  /// optional = unbounded) down to the last level that has data.
  status compact_range(const std::optional<std::string>& first,
                       const std::optional<std::string>& last) override {
    status s = flush();
    if (!s.ok()) return s;
    std::unique_lock cl(compaction_mu_);
    for (int level = 0; level + 1 < max_levels; ++level) {
      version_ptr v = versions_->current();
      bool deeper = false;
      for (int l = level + 1; l < max_levels; ++l) deeper |= v->level_files(l) > 0;
      compaction_pick job;
      job.level = level;
      job.output_level = level + 1;
      for (const auto& f : v->levels[static_cast<std::size_t>(level)])
        if ((!first || Comparator::compare(f->largest_user_key(), *first) >= 0) &&
            (!last || Comparator::compare(f->smallest_user_key(), *last) <= 0))
          job.inputs.push_back(f);
      // Level-0 files overlap each other and are ordered by age: moving only
      // some of them below the others would invert that order.
      if (level == 0 && !job.inputs.empty()) job.inputs = v->levels[0];
      if (job.inputs.empty()) continue;
      if (!deeper && level > 0) break;  // already at the bottom
      s = run_compaction(job, true);    // the caller waits: use both threads
      if (!s.ok()) {
        ++stats_.background_errors;  // counted as a background job's failure
        // An I/O error or a full disk while writing tables changed nothing
        // (the caller may try again); a failed MANIFEST write is sticky
        // (apply_edit), and so is corruption, as for a background compaction.
        if (!retryable(s)) fail_sticky(s);
        return s;
      }
    }
    remove_obsolete_files(false);  // every job's handles are gone: its inputs go
    return {};
  }

  /// Waits until no flush or compaction is pending.
  status wait_for_background_work() override {
    std::unique_lock lock(mu_);
    bg_cv_.notify_all();
    // Or until a job fails (it is retried; the caller hears of it now).
    const std::uint64_t flushes_failed = flush_retry_.failed_jobs;
    const std::uint64_t compactions_failed = compaction_retry_.failed_jobs;
    done_cv_.wait(lock, [&] {
      return !bg_error_.ok() || flush_retry_.failed_jobs != flushes_failed ||
             compaction_retry_.failed_jobs != compactions_failed ||
             (imms_.empty() && !flush_running_ && !compaction_running_ &&
              !compaction_wanted_locked());
    });
    if (!bg_error_.ok()) return bg_error_;
    if (flush_retry_.failed_jobs != flushes_failed) return flush_retry_.last;
    if (compaction_retry_.failed_jobs != compactions_failed) return compaction_retry_.last;
    return {};
  }

  // The calls a program makes rarely (approximate_size, verify_checksums,
  // and repair's salvage_tables and read_table_meta) are [[gnu::cold]]:
  // compiled for size, which is also less work for a header-only build at
  // -O2.

  /// Whole tables whose keys all lie in [first, last) count their file
  /// size; a table that straddles a bound counts the data between the
  /// blocks its index finds for the bounds. Memtables do not count.
  [[gnu::cold]] status approximate_size(std::string_view first, std::string_view last,
                                        std::uint64_t& bytes) override {
    bytes = 0;
    if (Comparator::compare(first, last) >= 0) return {};
    super_ptr sv = acquire_super();
    const std::string lo = make_internal_key(first, max_sequence_number, value_kind_for_seek);
    const std::string hi = make_internal_key(last, max_sequence_number, value_kind_for_seek);
    for (const auto& files : sv->current->levels) {
      for (const auto& f : files) {
        if (Comparator::compare(f->largest_user_key(), first) < 0 ||
            Comparator::compare(f->smallest_user_key(), last) >= 0)
          continue;
        const bool from_start = Comparator::compare(first, f->smallest_user_key()) <= 0;
        const bool to_end = Comparator::compare(f->largest_user_key(), last) < 0;
        const std::uint64_t size = f->meta().file_size;
        if (from_start && to_end) {
          bytes += size;
          continue;
        }
        std::shared_ptr<const table> held;
        const table* reader = nullptr;
        if (status s = reader_of(*f, held, reader); !s.ok()) return s;
        const std::uint64_t begin = from_start ? 0 : reader->approximate_offset_of(lo);
        const std::uint64_t end = to_end ? size : reader->approximate_offset_of(hi);
        if (end > begin) bytes += end - begin;
      }
    }
    return {};
  }

  /// Each table of the current version is opened afresh from its file
  /// (footer, metaindex, index, properties, range tombstones, filter) and
  /// read through, every data block checksummed; the entries read must be
  /// as many as its properties record. The version stays pinned meanwhile.
  [[gnu::cold]] status verify_checksums() override {
    super_ptr sv = acquire_super();
    for (const auto& files : sv->current->levels) {
      for (const auto& f : files) {
        auto t = tables_->open_uncached(f->number(), f->meta().file_size);
        if (!t.ok()) return t.take_status();
        const table& tab = **t;
        if (!tab.filter_status().ok()) return tab.filter_status();
        if (status s = read_through(tab, [](std::string_view) {}); !s.ok()) return s;
      }
    }
    return {};
  }

  /// Flushes the memtables, pins the version that holds them, then gives
  /// `target` a second name of each of its tables (a copy where links are
  /// not supported), a MANIFEST listing them and, last, CURRENT. Every
  /// file and the directory are synced before CURRENT names the MANIFEST,
  /// and CURRENT is renamed into place: a checkpoint cut short has no
  /// CURRENT. The tree takes reads and writes meanwhile; the writes made
  /// after the flush are not in the copy.
  [[gnu::cold]] status checkpoint(const std::string& dir) override {
    // "backup/" names the directory "backup", whose parent is "."
    const std::string target = without_trailing_slashes(dir);
    if (target.empty()) return status::invalid_argument("checkpoint: the directory name is empty");
    if (fs_->file_exists(target))
      return status::invalid_argument(target +
                                      ": exists (a checkpoint is written to a new directory)");
    if (status s = flush(); !s.ok()) return s;
    super_ptr sv = acquire_super();  // its tables stay until the copy is done
    // Every sequence number in those tables was published before this.
    const sequence_number last = latest_sequence();
    // Above every file number in use: no WAL in the copy is ever replayed.
    const std::uint64_t manifest_number = versions_->next_file_number();
    status s = fs_->create_dir(target);
    for (const auto& files : sv->current->levels) {
      for (std::size_t i = 0; s.ok() && i < files.size(); ++i) {
        const std::string from = table_file_name(dir_, files[i]->number());
        const std::string to = table_file_name(target, files[i]->number());
        s = fs_->link_file(from, to);
        if (s.is(errc::not_supported)) s = copy_file(*fs_, from, to);
      }
    }
    if (s.ok()) {
      version_edit snap = versions_->snapshot_of(*sv->current);
      snap.log_number = manifest_number;
      snap.next_file_number = manifest_number + 1;
      snap.last_sequence = last;
      std::string record;
      snap.encode_to(record);
      auto file = fs_->new_writable_file(manifest_file_name(target, manifest_number));
      if (!file.ok()) return file.take_status();
      s = wal::writer(**file).add_record(record);
      if (s.ok()) s = (*file)->sync();
      if (s.ok()) s = (*file)->close();
    }
    if (s.ok()) s = fs_->sync_dir(target);  // the tables and MANIFEST before CURRENT
    bool renamed = false;
    if (s.ok()) s = write_current(*fs_, target, manifest_number, renamed);
    if (s.ok()) s = fs_->sync_dir(parent_directory(target));
    return s;
  }

  /// Reads t through, every data block checksummed and none cached,
  /// calling on_entry with each internal key; corruption, naming t's file,
  /// when the entries read are not as many as t's properties record.
  template <class OnEntry>
  static status read_through(const table& t, OnEntry&& on_entry) {
    read_settings settings;
    settings.verify_checksums = true;
    settings.fill_cache = false;
    auto it = t.new_iterator(settings);
    std::uint64_t entries = 0;
    for (it->seek_to_first(); it->valid(); it->next(), ++entries) on_entry(it->key());
    if (status s = it->get_status(); !s.ok()) return s;
    if (entries != t.properties().num_entries)
      return status::corruption(t.file_name() + ": expected " +
                                std::to_string(t.properties().num_entries) +
                                " entries (its properties), read " + std::to_string(entries));
    return {};
  }

  /// f's table reader: usually the one f keeps (no lock, no reference
  /// count), else one from the table cache, which `held` then pins.
  status reader_of(const table_file& f, std::shared_ptr<const table>& held,
                   const table*& reader) const {
    reader = table_cache<table>::kept(f);
    if (reader != nullptr) return {};
    auto t = tables_->get(f);
    if (!t.ok()) return t.take_status();
    held = std::move(*t);
    reader = held.get();
    return {};
  }

  lsm::stats get_stats() const override {
    lsm::stats out;
    out.user_bytes_written = stats_.user_bytes_written.load();
    out.wal_bytes_written = stats_.wal_bytes_written.load();
    out.wal_syncs = stats_.wal_syncs.load();
    out.flush_bytes_written = stats_.flush_bytes_written.load();
    out.compaction_bytes_read = stats_.compaction_bytes_read.load();
    out.compaction_bytes_written = stats_.compaction_bytes_written.load();
    out.flushes = stats_.flushes.load();
    out.compactions = stats_.compactions.load();
    out.trivial_moves = stats_.trivial_moves.load();
    out.seek_compactions = stats_.seek_compactions.load();
    out.subcompactions = stats_.subcompactions.load();
    out.stalls = stats_.stalls.load();
    out.stall_micros = stats_.stall_micros.load();
    out.background_errors = stats_.background_errors.load();
    out.filter_hits = super_.counter(filter_hit_counter);
    out.filter_misses = super_.counter(filter_miss_counter);
    out.block_cache_hits = blocks_->hits();
    out.block_cache_misses = blocks_->misses();
    version_ptr v = versions_->current();
    for (int level = 0; level < max_levels; ++level)
      out.levels.push_back({v->level_files(level), v->level_bytes(level)});
    return out;
  }

  version_ptr current_version() const { return versions_->current(); }

 private:
  /// WALs come from file_system::new_log_file: on Linux a mapped file that
  /// reserves 1 MiB windows (an append is a copy into the page cache, no
  /// system call). A WAL written with write(2) instead reserves disk space
  /// 1 MiB at a time from its first synced write on: a synced write then
  /// rarely changes the file's size, and its fdatasync rarely commits a
  /// journal transaction. (Unsynced write(2)s gain nothing from it and lose
  /// ext4's delayed allocation, so such a WAL without synced writes never
  /// reserves.) Either way a crash may leave a zero tail, which the log
  /// reader reads as a torn tail (docs/format/wal.md section 4).
  static constexpr std::uint64_t wal_preallocation_step = 1 << 20;
  /// Tables being written start their writeback this often, so the sync
  /// that ends a table waits for little (see writable_file::set_write_behind).
  static constexpr std::uint64_t table_write_behind = 256 << 10;

  struct pending_writer {
    write_batch* batch;
    bool sync;
    bool sync_group = false;
    bool done = false;
    status result;
    std::condition_variable cv;
    pending_writer(write_batch* b, bool s) : batch(b), sync(s) {}
  };

  struct counters {
    std::atomic<std::uint64_t> user_bytes_written{0}, wal_bytes_written{0}, wal_syncs{0},
        flush_bytes_written{0}, compaction_bytes_read{0}, compaction_bytes_written{0}, flushes{0},
        compactions{0}, trivial_moves{0}, seek_compactions{0}, subcompactions{0}, stalls{0},
        stall_micros{0}, background_errors{0};
  };
  /// Lookups count filter outcomes in their read slot (published::pin::count).
  static constexpr std::size_t filter_hit_counter = 0, filter_miss_counter = 1;

  engine(std::string dir, const options& opts, policy_names names)
      : dir_(std::move(dir)),
        opts_(opts),
        fs_(opts.file_system ? opts.file_system : default_file_system()),
        names_(names),
        table_options_{opts.block_size, opts.block_restart_interval, names.codec},
        blocks_(std::make_unique<block_cache>(opts.block_cache_capacity)),
        tables_(std::make_unique<table_cache<table>>(fs_, dir_, table_options_, blocks_.get(),
                                                     opts.max_open_files)),
        versions_(std::make_unique<version_set<Comparator>>(fs_, dir_, std::move(names))),
        snapshots_(std::make_shared<snapshot_list>()) {}

  // ---- open / recovery ----------------------------------------------------

  status recover() {
    if (opts_.write_buffer_size < 1024)
      return status::invalid_argument("options.write_buffer_size must be at least 1024 bytes");
    if (opts_.block_size < 64)
      return status::invalid_argument("options.block_size must be at least 64 bytes");
    if (opts_.block_restart_interval < 1)
      return status::invalid_argument("options.block_restart_interval must be at least 1");
    if (opts_.background_threads < 1)
      return status::invalid_argument("options.background_threads must be at least 1");
    if (dir_.empty()) return status::invalid_argument("the tree's path is empty");
    const bool created = !fs_->file_exists(dir_);
    if (created && repairing_) return status::invalid_argument(dir_ + ": does not exist");
    if (created && !opts_.create_if_missing)
      return status::invalid_argument(dir_ + ": does not exist (create_if_missing is false)");
    status s = fs_->create_dir(dir_);
    if (!s.ok()) return s;
    // A new directory's own entry is durable only once its parent is synced:
    // a power loss would otherwise take the tree, synced writes and all.
    if (created) {
      s = fs_->sync_dir(parent_directory(dir_));
      if (!s.ok()) return s;
    }
    auto lock = fs_->lock_file(lock_file_name(dir_));
    if (!lock.ok()) return lock.take_status();
    lock_ = std::move(*lock);

    bool exists = false;
    version_edit salvaged;  // repair: tables to add (level 0) or drop
    if (repairing_) {
      // A MANIFEST that reads whole says which tables are live: the others
      // are a finished compaction's inputs not yet deleted, which could
      // bring erased keys back (a repair cut short leaves such). Otherwise
      // every table counts. Either way the old CURRENT and MANIFEST stay
      // until the new MANIFEST replaces them (apply_edit below): a crash
      // before leaves the directory to repair again.
      s = versions_->recover(exists);
      if (s.is(errc::invalid_argument)) return s;  // a tree of other policies
      const bool manifest_read = s.ok() && exists;
      if (!s.ok())  // start from nothing: a failed recover may have changed some
        versions_ = std::make_unique<version_set<Comparator>>(fs_, dir_, names_);
      s = salvage_tables(salvaged, exists, manifest_read);
      if (!s.ok()) return s;
      if (!exists) return status::invalid_argument(dir_ + ": no tree here (nothing to repair)");
      if (salvaged.last_sequence) versions_->set_last_sequence(*salvaged.last_sequence);
    } else {
      s = versions_->recover(exists);
      if (!s.ok()) return s;
      if (exists && opts_.error_if_exists)
        return status::invalid_argument(dir_ + ": exists (error_if_exists is true)");
      if (!exists && !opts_.create_if_missing)
        return status::invalid_argument(dir_ + ": no tree here (create_if_missing is false)");
    }

    // Replay the WALs the MANIFEST does not cover, oldest first.
    auto children = fs_->get_children(dir_);
    if (!children.ok()) return children.take_status();
    std::vector<std::uint64_t> logs;
    for (const auto& name : *children) {
      std::uint64_t number = 0;
      file_type type{};
      if (!parse_file_name(name, number, type)) continue;
      versions_->mark_file_number_used(number);
      if (type == file_type::log && number >= versions_->log_number()) logs.push_back(number);
    }
    std::sort(logs.begin(), logs.end());
    std::vector<mem_ptr> recovered;  // oldest first
    sequence_number max_seq = versions_->last_sequence();
    for (std::uint64_t number : logs) {
      s = replay_log(number, recovered, max_seq);
      if (!s.ok()) return s;
    }
    versions_->set_last_sequence(max_seq);
    last_sequence_.store(max_seq);

    // A fresh WAL and memtable; the replayed memtables become level-0
    // tables, then a new MANIFEST records it all.
    const std::uint64_t log_number = versions_->new_file_number();
    mem_ = std::make_shared<memtable_state>();
    mem_->log_number = log_number;
    auto file = fs_->new_log_file(log_file_name(dir_, log_number));
    if (!file.ok()) return open_short_of_space(file.take_status(), exists, recovered);
    log_file_ = std::move(*file);
    log_writer_ = std::make_unique<wal::writer>(*log_file_);
    s = fs_->sync_dir(dir_);
    if (!s.ok()) return s;
    version_edit edit;
    for (const auto& m : recovered) {
      s = write_level0(*m, edit);
      if (!s.ok()) return open_short_of_space(s, exists, recovered);
    }
    for (auto& f : salvaged.new_files) edit.new_files.push_back(std::move(f));
    edit.deleted_files = std::move(salvaged.deleted_files);
    edit.log_number = log_number;
    s = apply_edit(edit);
    if (!s.ok()) return bg_error_.ok() ? open_short_of_space(s, exists, recovered) : s;
    publish_super();
    remove_obsolete_files(true);
    return {};
  }

  /// Opens a tree that lacks the space (or the file descriptors) for the
  /// WAL, the level-0 tables or the new MANIFEST recovery writes, when `s`
  /// says so: the tree reads as it was, the replayed WALs stay on disk and
  /// their memtables in memory, queued for flush (the flush is retried in
  /// the background, as any failed flush). Without a WAL (log_file_ null)
  /// writes fail until one can be created, as after a failed append.
  /// Nothing was written that the MANIFEST would need, so the directory
  /// opens as before should this process crash. Other failures, and a new
  /// tree, fail the open.
  status open_short_of_space(status s, bool exists, const std::vector<mem_ptr>& recovered) {
    // Not in a repair: its tables are in no version until the new MANIFEST.
    if (!exists || repairing_ || s.code() != errc::resource_exhausted) return s;
    imms_.assign(recovered.rbegin(), recovered.rend());  // newest first
    log_broken_ = log_file_ == nullptr;
    publish_super();
    remove_obsolete_files(true);  // level-0 tables recovery wrote are in no version
    return {};
  }

  /// Replays a WAL into memtables appended to `mems` (oldest first), a new
  /// one each time the last outgrows the write buffer.
  status replay_log(std::uint64_t number, std::vector<mem_ptr>& mems, sequence_number& max_seq) {
    const std::string path = log_file_name(dir_, number);
    auto file = fs_->new_sequential_file(path);
    if (!file.ok()) return file.take_status();
    wal::reader reader(**file, path, true);
    std::string scratch;
    std::string_view record;
    mem_ptr mem;
    write_batch batch;
    while (reader.read_record(record, scratch)) {
      status s = batch.set_contents(record);
      // Sequence numbers have 56 bits (the tag): one past them cannot be
      // recorded in a MANIFEST, nor packed into a key.
      if (s.ok() && batch.count() > 0 &&
          batch.sequence() > max_sequence_number - (batch.count() - 1))
        s = status::corruption("batch of " + std::to_string(batch.count()) +
                               " entries at sequence " + std::to_string(batch.sequence()) +
                               ": expected sequence numbers up to " +
                               std::to_string(max_sequence_number));
      if (!s.ok() && repairing_) return {};  // keep the records before the damage
      if (!s.ok())
        return status::corruption(path + ": record at offset " +
                                  std::to_string(reader.last_record_offset()) + ": " + s.message());
      if (!mem || mem->table.approximate_memory() > opts_.write_buffer_size) {
        mem = std::make_shared<memtable_state>();
        mem->log_number = number;
        mems.push_back(mem);
      }
      insert_into(*mem, batch);
      if (batch.count() > 0) max_seq = std::max(max_seq, batch.sequence() + batch.count() - 1);
    }
    if (repairing_ && reader.get_status().is(errc::corruption)) return {};  // as above
    return reader.get_status();
  }

  /// Repair: reads tables through. With `manifest_read`, the live ones of
  /// the recovered version: a damaged one (corruption) or a missing one
  /// goes to `edit.deleted_files`. Otherwise every table in the directory:
  /// those that read whole go to `edit.new_files` at level 0 (the merge
  /// that repair runs next puts them in order), with the largest sequence
  /// number in `edit.last_sequence`. Damaged tables move to lost/. Any
  /// other failure, such as a table of other policies (invalid_argument),
  /// stops the repair before anything is changed. `found`: the directory
  /// holds files of a tree (CURRENT, a MANIFEST, a WAL or a table).
  [[gnu::cold]] status salvage_tables(version_edit& edit, bool& found, bool manifest_read) {
    auto children = fs_->get_children(dir_);
    if (!children.ok()) return children.take_status();
    found = false;
    std::vector<std::pair<int, std::uint64_t>> numbers;  // (level, number)
    for (const auto& name : *children) {
      std::uint64_t number = 0;
      file_type type{};
      if (!parse_file_name(name, number, type)) continue;
      if (type == file_type::table && !manifest_read) numbers.emplace_back(0, number);
      if (type != file_type::lock && type != file_type::temp) found = true;
    }
    if (manifest_read) {
      const version_ptr v = versions_->current();
      for (int level = 0; level < max_levels; ++level)
        for (const auto& f : v->levels[static_cast<std::size_t>(level)])
          numbers.emplace_back(level, f->number());
    }
    std::sort(numbers.begin(), numbers.end());
    std::vector<std::uint64_t> damaged;
    sequence_number last = 0;
    for (const auto& [level, number] : numbers) {
      if (manifest_read && !fs_->file_exists(table_file_name(dir_, number))) {
        edit.deleted_files.emplace_back(level, number);  // nothing left to read
        continue;
      }
      file_meta m;
      status s = read_table_meta(number, m);
      if (s.is(errc::corruption)) {
        damaged.push_back(number);
        if (manifest_read) edit.deleted_files.emplace_back(level, number);
        continue;
      }
      if (!s.ok()) return s;
      if (manifest_read) continue;                               // live, and listed already
      if (m.num_entries == 0 && m.num_deletions == 0) continue;  // removed as unreferenced
      last = std::max(last, m.largest_seq);
      edit.new_files.emplace_back(0, std::move(m));
    }
    if (!manifest_read) edit.last_sequence = last;
    if (damaged.empty()) return {};
    const std::string lost = dir_ + "/lost";
    status s = fs_->create_dir(lost);
    for (std::size_t i = 0; s.ok() && i < damaged.size(); ++i) {
      versions_->mark_file_number_used(damaged[i]);  // no new file takes its number
      s = fs_->rename_file(table_file_name(dir_, damaged[i]), table_file_name(lost, damaged[i]));
    }
    if (s.ok()) s = fs_->sync_dir(lost);
    if (s.ok()) s = fs_->sync_dir(dir_);
    return s;
  }

  /// Widens m's key and sequence ranges to the range tombstone [first,
  /// last) at seq, and counts it among m's deletions.
  static void note_tombstone(file_meta& m, std::string_view first, std::string_view last,
                             sequence_number seq) {
    const std::string lo = make_internal_key(first, seq, value_kind::range_deletion);
    const std::string hi = make_internal_key(last, max_sequence_number, value_kind::range_deletion);
    if (m.smallest.empty() || icmp::compare(lo, m.smallest) < 0) m.smallest = lo;
    if (m.largest.empty() || icmp::compare(hi, m.largest) > 0) m.largest = hi;
    if (m.num_entries == 0 && m.num_deletions == 0) m.smallest_seq = seq;
    m.smallest_seq = std::min(m.smallest_seq, seq);
    m.largest_seq = std::max(m.largest_seq, seq);
    ++m.num_deletions;
  }

  /// The file_meta of table `number`, read from its entries and range
  /// tombstones as a flush or compaction computes it; corruption when any
  /// block is damaged or the entries are not as many as its properties say.
  [[gnu::cold]] status read_table_meta(std::uint64_t number, file_meta& m) {
    const std::string path = table_file_name(dir_, number);
    auto size = fs_->file_size(path);
    if (!size.ok()) return size.take_status();
    auto opened = tables_->open_uncached(number, *size);
    if (!opened.ok()) return opened.take_status();
    const table& t = **opened;
    m = file_meta{};
    m.number = number;
    m.file_size = *size;
    status s = read_through(t, [&m](std::string_view key) {
      const sequence_number seq = extract_sequence(key);
      if (m.num_entries == 0) {
        m.smallest.assign(key);
        m.smallest_seq = seq;
      }
      m.largest.assign(key);
      m.smallest_seq = std::min(m.smallest_seq, seq);
      m.largest_seq = std::max(m.largest_seq, seq);
      ++m.num_entries;
      if (extract_kind(key) == value_kind::deletion) ++m.num_deletions;
    });
    if (!s.ok()) return s;
    for (const auto& rt : t.range_tombstones()) note_tombstone(m, rt.first, rt.last, rt.seq);
    return {};
  }

  static void insert_into(memtable_state& mem, const write_batch& batch) {
    sequence_number seq = batch.sequence();
    (void)batch.for_each([&](value_kind kind, std::string_view key, std::string_view value) {
      if (kind == value_kind::range_deletion)
        mem.add_tombstone(key, value, seq);
      else
        mem.table.add(seq, kind, key, value);
      ++seq;
    });
  }

  // ---- writer queue -------------------------------------------------------

  /// Merges the batches of the writers behind the leader (front) into one.
  /// REQUIRES: mu_ held; writers_.front() is the leader.
  write_batch* build_group(pending_writer*& last) {
    pending_writer* leader = writers_.front();
    write_batch* result = leader->batch;
    leader->sync_group = leader->sync;
    std::size_t size = result->byte_size();
    const std::size_t max_size = size <= (128 << 10) ? size + (128 << 10) : 1 << 20;
    last = leader;
    for (std::size_t i = 1; i < writers_.size(); ++i) {
      pending_writer* w = writers_[i];
      if (w->batch == nullptr) break;       // a flush() waiting its turn
      if (w->sync && !leader->sync) break;  // don't make a sync write wait on no-sync
      size += w->batch->byte_size();
      if (size > max_size) break;
      if (result == leader->batch) {
        scratch_batch_.clear();
        scratch_batch_.append(*result);
        result = &scratch_batch_;
      }
      result->append(*w->batch);
      last = w;
    }
    return result;
  }

  /// How long a write group waits while the policy asks writes to slow
  /// down, once per group. LevelDB waits 1 ms; in 5M-key fillrandom runs
  /// the writer spent the same share of the run waiting either way (the
  /// slowdown lasts until compaction catches up), but 1 ms waits made the
  /// p99.9 put latency about 1.1 ms and 100 us waits about 0.19 ms, with
  /// the same throughput and write amplification (waits of 50 us began to
  /// show in p99). The wait sleeps with the timer slack lowered
  /// (sleep_precisely): before, the kernel's default slack made it about
  /// 150 us, and the p99.9 put latency 182 to 187 us over 7 runs; after,
  /// 133 to 148 us, with the same throughput.
  static constexpr std::chrono::microseconds slowdown_wait{100};

  /// Ensures the memtable has room, stalling or switching as the compaction
  /// policy and the flush backlog demand. REQUIRES: mu_ held by the leader.
  status make_room_for_write(std::unique_lock<std::mutex>& lock, bool force_skip) {
    bool allow_delay = true;
    for (;;) {
      if (!bg_error_.ok()) return bg_error_;
      if (log_broken_) {
        status s = replace_broken_log();
        if (!s.ok()) return s;
        continue;
      }
      if (force_skip) return {};
      const write_pressure pressure = policy_pressure();
      if (allow_delay && pressure == write_pressure::slowdown) {
        const auto start = std::chrono::steady_clock::now();
        lock.unlock();
        sleep_precisely(slowdown_wait);
        lock.lock();
        count_stall(start);
        allow_delay = false;
      } else if (mem_->table.approximate_memory() < opts_.write_buffer_size || mem_->empty()) {
        // An empty memtable may already exceed a small write buffer (its
        // arena's first block): switching it would make no room, forever.
        return {};
      } else if (const bool imms_full =
                     imms_.size() >= std::max<std::size_t>(1, opts_.max_immutable_memtables);
                 imms_full || pressure == write_pressure::stop) {
        // The job this write would wait for is pausing after a failure: the
        // write fails now rather than stall through the retries (it may be
        // tried again; the tree takes writes once the job succeeds).
        if (imms_full && flush_retry_.failures > 0) return flush_retry_.last;
        if (pressure == write_pressure::stop && compaction_retry_.failures > 0)
          return compaction_retry_.last;
        const auto start = std::chrono::steady_clock::now();
        bg_cv_.notify_all();
        done_cv_.wait(lock);
        count_stall(start);
      } else {
        status s = switch_memtable();
        if (!s.ok()) return s;
      }
    }
  }

  /// Sleeps for d with the calling thread's timer slack lowered for the
  /// sleep: Linux may end a sleep up to the slack (50 us by default) late,
  /// to batch wake-ups, which made a 100 us slowdown wait about 150 us.
  static void sleep_precisely(std::chrono::microseconds d) {
#if defined(__linux__)
    const int slack = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    if (slack > 1 && ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == 0) {
      std::this_thread::sleep_for(d);
      (void)::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(slack), 0, 0, 0);
      return;
    }
#endif
    std::this_thread::sleep_for(d);
  }

  void count_stall(std::chrono::steady_clock::time_point start) {
    ++stats_.stalls;
    stats_.stall_micros +=
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - start)
                                       .count());
  }

  /// The policy's verdict on the current version, refreshed by
  /// publish_super() whenever the version changes.
  write_pressure policy_pressure() const { return pressure_.load(std::memory_order_acquire); }

  /// Creates the next WAL and makes it the one writes append to, retiring
  /// the current one; `number` is the new WAL's. REQUIRES: mu_ held and no
  /// write in flight.
  ///
  /// A WAL that cannot be created (a full disk, no file descriptor left)
  /// fails the write that needed it, and only that write: nothing was
  /// written to any WAL, the memtable and its WAL are as they were, and the
  /// next write tries again, so the tree takes writes again once there is
  /// space (as LevelDB does).
  ///
  /// The old WAL is closed by the flush thread (close_retired_logs), not
  /// here: a close trims the WAL's reserved tail, and on a file system busy
  /// with compaction output that took 2 to 17 ms, which every write behind
  /// the switch waited for. Everything appended to it is in the file (or
  /// the page cache) already; the close only trims and releases it. One
  /// whose last append failed (log_broken_) is closed here: its close only
  /// repeats that failure, and it may become obsolete before a flush runs.
  status start_new_log(std::uint64_t& number) {
    number = versions_->new_file_number();
    auto file = fs_->new_log_file(log_file_name(dir_, number));
    if (!file.ok()) return file.take_status();
    if (log_file_ && !log_broken_)
      retired_logs_.push_back(std::move(log_file_));
    else if (log_file_)
      (void)log_file_->close();
    log_file_ = std::move(*file);
    log_writer_ = std::make_unique<wal::writer>(*log_file_);
    log_dir_synced_ = false;
    log_preallocating_ = false;
    log_broken_ = false;
    return {};
  }

  /// New WAL + memtable; the old memtable joins the flush queue.
  /// REQUIRES: mu_ held and no write in flight.
  status switch_memtable() {
    std::uint64_t number = 0;
    if (status s = start_new_log(number); !s.ok()) return s;
    imms_.insert(imms_.begin(), mem_);
    mem_ = std::make_shared<memtable_state>();
    mem_->log_number = number;
    publish_super();
    bg_cv_.notify_all();
    return {};
  }

  /// Starts a new WAL in place of one whose last append failed, or of none
  /// after an open short of space (log_broken_ either way):
  /// a memtable that holds writes joins the flush queue, as at any switch;
  /// an empty one (no write succeeded since the last switch) moves to the
  /// new WAL, so writes that keep failing on a full disk do not queue empty
  /// memtables. REQUIRES: mu_ held by the writer queue's leader.
  status replace_broken_log() {
    if (!mem_->empty()) return switch_memtable();
    std::uint64_t number = 0;
    if (status s = start_new_log(number); !s.ok()) return s;
    // The old WAL is obsolete once the memtables before this one are flushed.
    mem_->log_number = number;
    return {};
  }

  void set_background_error(const status& s) {
    if (bg_error_.ok() && !s.ok()) bg_error_ = s;
    done_cv_.notify_all();
  }

  /// The failures in a row of one kind of background job (flushes or
  /// compactions), and when it may run again. Guarded by mu_.
  struct retry_state {
    unsigned failures = 0;          // in a row; 0 after a success
    std::uint64_t failed_jobs = 0;  // ever: flush() and wait_for_background_work() look
    std::chrono::steady_clock::time_point not_before{};
    status last;  // the latest failure, for those waiting on the job

    bool due(std::chrono::steady_clock::time_point now) const {
      return failures == 0 || now >= not_before;
    }
  };

  /// Whether a flush or compaction that failed with s may run again: an I/O
  /// error or a full disk may pass; corruption will not.
  static bool retryable(const status& s) {
    return s.code() == errc::io_error || s.code() == errc::resource_exhausted;
  }

  /// I/O errors in a row a flush or compaction may have before its error is
  /// sticky: with pauses of 0.1, 0.2, 0.4, 0.8 and then 1 s, about 5.5 s. A
  /// full disk is waited out: the job runs again each second until there is
  /// space (as RocksDB resumes after running out of space).
  static constexpr unsigned max_background_retries = 8;

  /// A background flush or compaction failed. An I/O error or a full disk
  /// while it read its inputs or wrote its tables changed nothing durable
  /// (no MANIFEST names those tables, and they are removed): the job runs
  /// again after a pause, and writes go on meanwhile (as RocksDB resumes
  /// after such errors, where LevelDB stops every write). A failed MANIFEST
  /// write (apply_edit made it sticky already), corruption or the
  /// (max_background_retries + 1)-th I/O error in a row is sticky: writes
  /// are refused until reopen; a full disk never is. REQUIRES: mu_ held.
  void note_background_failure(retry_state& r, const status& s, const char* job) {
    if (!bg_error_.ok()) return;  // sticky already
    ++r.failed_jobs;
    ++stats_.background_errors;
    const bool transient = retryable(s);
    ++r.failures;
    if (!transient ||
        (s.code() != errc::resource_exhausted && r.failures > max_background_retries)) {
      std::string why = std::string(job) + " failed";
      if (transient) why += " " + std::to_string(r.failures) + " times in a row";
      set_background_error(
          status(s.code(), why + " (writes refused until reopen): " + s.message()));
      return;
    }
    const int pause_ms = r.failures >= 5 ? 1000 : 100 << (r.failures - 1);
    r.not_before = std::chrono::steady_clock::now() + std::chrono::milliseconds(pause_ms);
    r.last = status(s.code(), std::string(job) + " failed (retried in " + std::to_string(pause_ms) +
                                  " ms): " + s.message());
    done_cv_.notify_all();
  }

  // ---- super version ------------------------------------------------------

  /// REQUIRES: mu_ held (or no concurrency, during open).
  void publish_super() {
    auto sv = std::make_shared<super_version>();
    sv->mem = mem_;
    sv->imms = imms_;
    sv->current = versions_->current();
    {
      std::lock_guard pl(policy_mu_);
      pressure_.store(policy_.pressure(*sv->current), std::memory_order_release);
    }
    super_.publish(std::move(sv));
  }
  /// The current super version, for a holder that keeps it (iterators);
  /// point lookups pin theirs with published::pin instead.
  super_ptr acquire_super() const { return super_.current(); }

  /// Opens table iterators; errors go to *error (when set).
  /// REQUIRES: whoever uses an iterator keeps its table_file alive as long
  /// (a pinned super version, a level_iterator's file list, a job's inputs),
  /// so a reader the file keeps needs no reference of the iterator's own.
  table_iterator_opener make_opener(const read_settings& settings, status* error) {
    return [this, settings, error](const table_file& f) -> std::unique_ptr<internal_iterator> {
      if (const table* kept = table_cache<table>::kept(f)) return kept->new_iterator(settings);
      auto t = tables_->get(f);
      if (!t.ok()) {
        if (error && error->ok()) *error = t.get_status();
        return std::make_unique<empty_iterator>(t.take_status());
      }
      const table& tab = **t;
      return tab.new_iterator(settings, std::move(*t));
    };
  }

  /// Records edit in the MANIFEST (with the current last sequence number)
  /// and publishes the new version. A failure is sticky: the edit may or may
  /// not be in the MANIFEST, so no later edit may follow it in this session.
  /// REQUIRES: mu_ not held.
  status apply_edit(version_edit& edit) {
    status s;
    {
      std::lock_guard ml(manifest_mu_);
      versions_->set_last_sequence(last_sequence_.load(std::memory_order_acquire));
      s = versions_->log_and_apply(edit);
    }
    // A failed MANIFEST write is sticky (the version set says so). A new
    // MANIFEST that could not be started on an I/O error or a full disk
    // changed nothing: only this edit failed, as when a table write fails.
    if (!s.ok() && (!versions_->sticky_error().ok() || !retryable(s))) fail_sticky(s);
    return s;
  }

  /// Removes the tables `edit` made, after apply_edit failed without
  /// recording anything (a new MANIFEST that could not be started): no
  /// version will name them. After a sticky failure they stay (the record
  /// may be on disk; the next open removes what no version names).
  void discard_new_tables(const version_edit& edit) {
    if (!versions_->sticky_error().ok()) return;
    for (const auto& [level, meta] : edit.new_files) {
      tables_->evict(meta.number);
      (void)fs_->remove_file(table_file_name(dir_, meta.number));
    }
  }

  /// Makes s the background error every later write returns. REQUIRES: mu_
  /// not held.
  void fail_sticky(const status& s) {
    std::lock_guard lock(mu_);
    set_background_error(s);
  }

  /// Adds the visible range tombstones of a table to `out`.
  void collect_tombstones(const table_file& f, sequence_number snap,
                          range_tombstone_set<Comparator>& out, status& error) {
    if (f.meta().num_deletions == 0) return;  // counts range tombstones too
    auto t = tables_->get(f);
    if (!t.ok()) {
      if (error.ok()) error = t.take_status();
      return;
    }
    for (const auto& rt : (*t)->range_tombstones())
      if (rt.seq <= snap) out.add(rt.first, rt.last, rt.seq);
  }

  // ---- background work ----------------------------------------------------

  /// Two threads, one flushing and one compacting, when
  /// options::background_threads is 2 or more (compaction jobs run one at a
  /// time, a large merge as two subcompactions: see split_key; a larger
  /// figure adds no thread); one thread that flushes first and compacts
  /// between flushes when it is 1.
  void start_threads() {
    if (opts_.background_threads >= 2) {
      flush_thread_ = std::thread([this] { flush_loop(); });
      compaction_thread_ = std::thread([this] { compaction_loop(); });
    } else {
      flush_thread_ = std::thread([this] { background_loop(); });
    }
  }

  void shutdown() {
    {
      std::lock_guard lock(mu_);
      shutting_down_ = true;
      bg_cv_.notify_all();
      done_cv_.notify_all();
    }
    if (flush_thread_.joinable()) flush_thread_.join();
    if (compaction_thread_.joinable()) compaction_thread_.join();
    for (auto& retired : retired_logs_)
      (void)retired->close();  // a flush failed: kept for the next open
    retired_logs_.clear();
    if (log_file_) {
      (void)log_file_->flush();
      (void)log_file_->close();
    }
  }

  /// The flush thread: flushes the immutable memtables, oldest first, and
  /// at shutdown the ones still waiting.
  void flush_loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      bg_cv_.wait(lock, [&] { return shutting_down_ || (!imms_.empty() && bg_error_.ok()); });
      if (imms_.empty() || !bg_error_.ok()) {
        if (shutting_down_) return;
        continue;
      }
      if (flush_retry_.failures > 0) {
        if (shutting_down_) return;  // what failed to flush stays in its WAL
        if (!flush_retry_.due(std::chrono::steady_clock::now())) {
          bg_cv_.wait_until(lock, flush_retry_.not_before);
          continue;
        }
      }
      flush_oldest(lock);
    }
  }

  /// The compaction thread: one job at a time while the policy wants one.
  void compaction_loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      bg_cv_.wait(lock,
                  [&] { return shutting_down_ || (bg_error_.ok() && compaction_wanted_locked()); });
      if (shutting_down_) return;
      if (!compaction_retry_.due(std::chrono::steady_clock::now())) {
        bg_cv_.wait_until(lock, compaction_retry_.not_before);
        continue;
      }
      compact_once(lock);
    }
  }

  /// The one background thread of options::background_threads == 1: a
  /// waiting memtable goes first, a compaction job runs when none waits (so
  /// a long job can delay a flush, and writers wait for it when
  /// max_immutable_memtables are full).
  void background_loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      bg_cv_.wait(lock, [&] {
        return shutting_down_ || (bg_error_.ok() && (!imms_.empty() || compaction_wanted_locked()));
      });
      const auto now = std::chrono::steady_clock::now();
      const bool flush_waits = !imms_.empty() && bg_error_.ok();
      if (flush_waits &&
          (flush_retry_.failures == 0 || (!shutting_down_ && flush_retry_.due(now)))) {
        flush_oldest(lock);
        continue;
      }
      if (shutting_down_) return;  // what failed to flush stays in its WAL
      const bool compaction_waits = bg_error_.ok() && compaction_wanted_locked();
      if (compaction_waits && compaction_retry_.due(now)) {
        compact_once(lock);
        continue;
      }
      // What waits is pausing after a failure: until the first may run again.
      auto wake = std::chrono::steady_clock::time_point::max();
      if (flush_waits) wake = flush_retry_.not_before;
      if (compaction_waits) wake = std::min(wake, compaction_retry_.not_before);
      if (wake != std::chrono::steady_clock::time_point::max()) bg_cv_.wait_until(lock, wake);
    }
  }

  /// Closes the WALs that memtable switches retired (see start_new_log),
  /// with mu_ released. A WAL retired with the memtable it holds is closed
  /// before that memtable's flush begins, so before the WAL can become
  /// obsolete and be removed. A failed close is sticky, as the failure of
  /// any WAL write: what the WAL holds may not all be in the file. Returns
  /// whether every close succeeded. REQUIRES: lock holds mu_; returns with
  /// it held.
  bool close_retired_logs(std::unique_lock<std::mutex>& lock) {
    if (retired_logs_.empty()) return true;
    std::vector<std::unique_ptr<writable_file>> logs;
    logs.swap(retired_logs_);
    lock.unlock();
    status s;
    for (auto& log : logs) {
      status c = log->close();
      if (s.ok()) s = c;
    }
    logs.clear();
    lock.lock();
    if (s.ok()) return true;
    set_background_error(
        status(s.code(), "closing a WAL failed (writes refused until reopen): " + s.message()));
    return false;
  }

  /// Flushes the oldest immutable memtable. REQUIRES: lock holds mu_,
  /// imms_ is not empty; returns with mu_ held. flush_running_ is set until
  /// the WALs the flush made obsolete are removed: wait_for_background_work
  /// returns after that, as after a compaction's inputs are removed.
  void flush_oldest(std::unique_lock<std::mutex>& lock) {
    mem_ptr imm = imms_.back();  // oldest
    flush_running_ = true;
    if (!close_retired_logs(lock)) {
      flush_running_ = false;
      return;
    }
    lock.unlock();
    version_edit edit;
    status s = write_level0(*imm, edit);
    if (s.ok()) {
      // Every WAL older than the oldest unflushed memtable is obsolete.
      std::uint64_t next_log;
      {
        std::lock_guard l2(mu_);
        next_log = imms_.size() > 1 ? imms_[imms_.size() - 2]->log_number : mem_->log_number;
      }
      edit.log_number = next_log;
      s = apply_edit(edit);
      if (!s.ok()) discard_new_tables(edit);
    }
    lock.lock();
    if (!s.ok()) {
      flush_running_ = false;
      note_background_failure(flush_retry_, s, "flush");
      return;
    }
    flush_retry_.failures = 0;
    imms_.pop_back();
    ++stats_.flushes;
    publish_super();
    lock.unlock();
    remove_obsolete_files(false);
    lock.lock();
    flush_running_ = false;
    bg_cv_.notify_all();  // wakes the compaction thread too
    done_cv_.notify_all();
  }

  bool compaction_wanted_locked() {
    std::lock_guard pl(policy_mu_);
    const version_ptr current = versions_->current();
    if constexpr (requires { policy_.wants(*current, context()); }) {
      if (policy_.wants(*current, context())) return true;
    } else {
      auto probe = policy_;  // picking must not advance the real policy's state
      if (probe.pick(*current, context()).has_value()) return true;
    }
    return seek_candidate_live_locked(*current) != nullptr;
  }

  /// Whether the policy merges files that cost lookups too many reads
  /// (leveled does; tiered keeps its runs as they are).
  static constexpr bool seek_compaction = requires { requires Compaction::seek_compaction; };

  /// Records a file whose seek allowance ran out (see get), and wakes the
  /// compaction thread. The first such file waits for its job; others that
  /// run out meanwhile are charged again later.
  void note_seek_candidate(const table_file_ptr& f, int level) {
    if constexpr (seek_compaction) {
      if (level + 1 >= max_levels) return;
      std::lock_guard lock(mu_);
      {
        std::lock_guard pl(policy_mu_);
        if (!seek_candidate_.expired()) return;
        seek_candidate_ = f;
        seek_candidate_level_ = level;
      }
      bg_cv_.notify_all();
    } else {
      (void)f;
      (void)level;
    }
  }

  /// The job that merges the seek candidate one level down, if it is still
  /// in `current` where it was (level 0 moves as a whole, as the policy
  /// moves it: its files overlap, and a newer one must not go below an
  /// older one). REQUIRES: policy_mu_ held.
  std::optional<compaction_pick> seek_job_locked(const version& current) {
    if constexpr (seek_compaction) {
      const table_file_ptr f = seek_candidate_live_locked(current);
      if (f == nullptr) return std::nullopt;
      const auto& files = current.levels[static_cast<std::size_t>(seek_candidate_level_)];
      compaction_pick job;
      job.level = seek_candidate_level_;
      job.output_level = seek_candidate_level_ + 1;
      if (job.level == 0)
        job.inputs = files;
      else
        job.inputs.push_back(f);
      return job;
    } else {
      (void)current;
      return std::nullopt;
    }
  }

  /// The seek candidate, if it is still in `current` where it was (else it
  /// is dropped). REQUIRES: policy_mu_ held.
  table_file_ptr seek_candidate_live_locked(const version& current) {
    if constexpr (seek_compaction) {
      table_file_ptr f = seek_candidate_.lock();
      if (f == nullptr) return nullptr;
      const auto& files = current.levels[static_cast<std::size_t>(seek_candidate_level_)];
      if (std::find(files.begin(), files.end(), f) == files.end()) {
        seek_candidate_.reset();
        return nullptr;
      }
      return f;
    } else {
      (void)current;
      return nullptr;
    }
  }

  compaction_context context() const {
    return {
        opts_.target_file_size, opts_.write_buffer_size,
        [](std::string_view a, std::string_view b) -> int { return Comparator::compare(a, b); }};
  }

  /// Runs the job the policy picks, if any. REQUIRES: lock holds mu_;
  /// returns with mu_ held.
  void compact_once(std::unique_lock<std::mutex>& lock) {
    compaction_running_ = true;
    lock.unlock();
    status s;
    bool ran = false;
    {
      std::unique_lock cl(compaction_mu_);
      std::optional<compaction_pick> job;
      {
        std::lock_guard pl(policy_mu_);
        const version_ptr current = versions_->current();
        job = policy_.pick(*current, context());
        if (!job) {
          job = seek_job_locked(*current);
          if (job) {
            seek_candidate_.reset();
            ++stats_.seek_compactions;
          }
        }
      }
      if (job) {
        // Writes since the last job: a writer is at work (or waiting for
        // compaction), and a split merge finishes sooner. Without writes,
        // the merge keeps to one thread and leaves a core to the readers.
        const std::uint64_t written = stats_.user_bytes_written.load(std::memory_order_relaxed);
        const bool writes_active = written != written_at_last_job_;
        written_at_last_job_ = written;
        s = run_compaction(*job, writes_active);
        ran = true;
      }
    }
    if (ran) remove_obsolete_files(false);  // the job's handles are gone: its inputs go
    lock.lock();
    compaction_running_ = false;
    if (!s.ok())
      note_background_failure(compaction_retry_, s, "compaction");
    else
      compaction_retry_.failures = 0;
    bg_cv_.notify_all();  // a flush may be waiting for the one thread
    done_cv_.notify_all();
  }

  /// Writes a memtable (entries and range tombstones) as a level-0 table and
  /// records it in edit. An empty memtable writes nothing.
  status write_level0(const memtable_state& mem, version_edit& edit) {
    if (mem.empty()) return {};
    compaction_output out(*this, true);
    auto it = mem.table.new_iterator();
    for (it->seek_to_first(); it->valid(); it->next()) {
      status s = out.add(it->key(), it->value());
      if (!s.ok()) return s;
    }
    for (const auto& t : mem.tombstones_copy()) out.add_tombstone(t);
    std::vector<file_meta> files;
    status s = out.finish_all(files);
    if (!s.ok()) return s;
    for (auto& f : files) {
      stats_.flush_bytes_written += f.file_size;
      edit.new_files.emplace_back(0, std::move(f));
    }
    return {};
  }

  /// Whether no two of files share a user key.
  static bool disjoint_user_keys(const std::vector<table_file_ptr>& files) {
    std::vector<const table_file*> sorted;
    for (const auto& f : files) sorted.push_back(f.get());
    std::sort(sorted.begin(), sorted.end(), [](const table_file* x, const table_file* y) {
      return Comparator::compare(x->smallest_user_key(), y->smallest_user_key()) < 0;
    });
    for (std::size_t i = 1; i < sorted.size(); ++i)
      if (Comparator::compare(sorted[i - 1]->largest_user_key(), sorted[i]->smallest_user_key()) >=
          0)
        return false;
    return true;
  }

  /// Runs one compaction job: trivial move when possible, otherwise a merge,
  /// split into two subcompactions when `may_split` and large enough.
  /// REQUIRES: compaction_mu_ held.
  status run_compaction(compaction_pick job, bool may_split) {
    version_ptr v = versions_->current();
    if (job.inputs.empty()) return {};
    // The internal key range spanned by some files.
    auto range_of = [](const auto& a, const auto& b, std::string& smallest, std::string& largest) {
      bool first = true;
      for (const auto* files : {&a, &b})
        for (const auto& f : *files) {
          if (first || icmp::compare(f->meta().smallest, smallest) < 0)
            smallest = f->meta().smallest;
          if (first || icmp::compare(f->meta().largest, largest) > 0) largest = f->meta().largest;
          first = false;
        }
    };
    // The files of a level whose user keys meet [smallest, largest].
    auto overlapping = [&](int level, std::string_view smallest, std::string_view largest) {
      std::vector<table_file_ptr> out;
      for (const auto& f : v->levels[static_cast<std::size_t>(level)])
        if (Comparator::compare(f->largest_user_key(), extract_user_key(smallest)) >= 0 &&
            Comparator::compare(f->smallest_user_key(), extract_user_key(largest)) <= 0)
          out.push_back(f);
      return out;
    };
    auto total_size = [](const std::vector<table_file_ptr>& files) {
      std::uint64_t n = 0;
      for (const auto& f : files) n += f->meta().file_size;
      return n;
    };
    const std::vector<table_file_ptr> none;
    std::string smallest, largest;
    range_of(job.inputs, none, smallest, largest);
    std::vector<table_file_ptr> outputs_level = overlapping(job.output_level, smallest, largest);

    // A sorted level's inputs grow to every file inside the range the job
    // already rewrites, when that adds no output-level file and the job stays
    // under 25 target files (LevelDB's expansion): more keys per rewrite.
    if (job.level >= 1 && !outputs_level.empty()) {
      std::string all_smallest, all_largest;
      range_of(job.inputs, outputs_level, all_smallest, all_largest);
      std::vector<table_file_ptr> expanded = overlapping(job.level, all_smallest, all_largest);
      if (expanded.size() > job.inputs.size() && total_size(expanded) + total_size(outputs_level) <
                                                     25 * std::uint64_t{opts_.target_file_size}) {
        std::string new_smallest, new_largest;
        range_of(expanded, none, new_smallest, new_largest);
        if (overlapping(job.output_level, new_smallest, new_largest).size() ==
            outputs_level.size()) {
          job.inputs = std::move(expanded);
          smallest = std::move(new_smallest);
          largest = std::move(new_largest);
        }
      }
    }

    // A trivial move: the inputs meet nothing in the output level, share no
    // user key (so level-0 flushes of sequential inserts move as a group,
    // where LevelDB moves them one compaction at a time), and none spans
    // more than 10 target files of the level below the output level (a
    // later compaction of it would rewrite all that).
    auto movable_as_is = [&] {
      if (!outputs_level.empty() || !disjoint_user_keys(job.inputs)) return false;
      if (job.output_level + 1 >= max_levels) return true;
      for (const auto& f : job.inputs)
        if (total_size(overlapping(job.output_level + 1, f->meta().smallest, f->meta().largest)) >
            10 * std::uint64_t{opts_.target_file_size})
          return false;
      return true;
    };
    version_edit edit;
    if (movable_as_is()) {
      for (const auto& f : job.inputs) {
        edit.deleted_files.emplace_back(job.level, f->number());
        edit.new_files.emplace_back(job.output_level, f->meta());
      }
      status s = apply_edit(edit);
      if (s.ok()) {
        stats_.trivial_moves += job.inputs.size();
        std::lock_guard lock(mu_);
        publish_super();
      }
      return s;
    }

    // Is the output level the last one holding data for a key?
    std::vector<const std::vector<table_file_ptr>*> deeper;
    for (int l = job.output_level + 1; l < max_levels; ++l)
      deeper.push_back(&v->levels[static_cast<std::size_t>(l)]);
    auto overlaps_deeper = [&](std::string_view first, std::string_view last_inclusive) {
      for (const auto* files : deeper) {
        // Level >= 1 files are disjoint and sorted: the first file ending at
        // or after `first` is the only candidate.
        auto it = std::partition_point(files->begin(), files->end(), [&](const table_file_ptr& f) {
          return Comparator::compare(f->largest_user_key(), first) < 0;
        });
        if (it != files->end() &&
            Comparator::compare((*it)->smallest_user_key(), last_inclusive) <= 0)
          return true;
      }
      return false;
    };

    // The inputs' range tombstones, read once: the merges below share them
    // (read-only).
    range_tombstone_set<Comparator> tombstones;
    status open_error;
    std::uint64_t bytes_read = 0;
    for (const auto* files : {&job.inputs, &outputs_level})
      for (const auto& f : *files) {
        collect_tombstones(*f, max_sequence_number, tombstones, open_error);
        bytes_read += f->meta().file_size;
      }
    if (!open_error.ok()) return open_error;
    tombstones.build();

    const std::vector<sequence_number> snaps = snapshots_->sorted();
    auto stripe = [&](sequence_number s) {
      return static_cast<std::size_t>(std::lower_bound(snaps.begin(), snaps.end(), s) -
                                      snaps.begin());
    };

    // Merges the inputs' user keys in [lo, hi) (unbounded where unset) into
    // output files, finished into `files`. Two of these may run at once, on
    // disjoint ranges (a subcompaction each).
    auto merge = [&](const std::optional<std::string>& lo, const std::optional<std::string>& hi,
                     std::vector<file_meta>& files) -> status {
      std::vector<std::unique_ptr<internal_iterator>> children;
      const read_settings settings{true, false};
      status error;
      // Files of a sorted level are read through one level_iterator, so the
      // merge compares among the L0 files and two levels, not every file.
      auto add_inputs = [&](std::vector<table_file_ptr> files_of, bool sorted) {
        if (sorted && files_of.size() > 1) {
          std::sort(files_of.begin(), files_of.end(),
                    [](const table_file_ptr& a, const table_file_ptr& b) {
                      return icmp::compare(a->meta().smallest, b->meta().smallest) < 0;
                    });
          // Opened lazily: an error surfaces through the merge's status.
          children.push_back(std::make_unique<level_iterator<icmp>>(
              std::move(files_of), make_opener(settings, nullptr)));
          return;
        }
        auto opener = make_opener(settings, &error);
        for (const auto& f : files_of) children.push_back(opener(*f));
      };
      add_inputs(job.inputs, job.level >= 1);
      add_inputs(outputs_level, true);
      if (!error.ok()) return error;
      merging_iterator<icmp> input(std::move(children));

      compaction_output out(*this, false);
      out.set_bounds(lo, hi);
      if (job.output_level + 1 < max_levels)
        out.limit_overlap(&v->levels[static_cast<std::size_t>(job.output_level + 1)],
                          10 * std::uint64_t{opts_.target_file_size});
      // Tombstones first: each output file takes its clipped share when cut.
      for (const auto& t : tombstones.entries()) {  // every one: snapshots may need older ones
        if (stripe(t.seq) == 0 && !overlaps_deeper(t.first, t.last)) continue;
        out.add_tombstone(t);
      }
      // overlaps_deeper for one key at a time, keys ascending: a cursor per
      // level only moves forward (LevelDB's IsBaseLevelForKey).
      std::vector<std::size_t> deeper_at(deeper.size(), 0);
      auto key_in_deeper = [&](std::string_view key) {
        for (std::size_t i = 0; i < deeper.size(); ++i) {
          const auto& level_files = *deeper[i];
          std::size_t& at = deeper_at[i];
          while (at < level_files.size() &&
                 Comparator::compare(level_files[at]->largest_user_key(), key) < 0)
            ++at;
          if (at < level_files.size() &&
              Comparator::compare(level_files[at]->smallest_user_key(), key) <= 0)
            return true;
        }
        return false;
      };
      std::string current_key;
      bool has_current = false;
      std::size_t last_stripe = 0;
      bool key_is_base = false;
      status s;
      if (lo)
        input.seek(make_internal_key(*lo, max_sequence_number, value_kind_for_seek));
      else
        input.seek_to_first();
      for (; input.valid(); input.next()) {
        parsed_internal_key k;
        if (!parse_internal_key(input.key(), k)) {
          s = status::corruption("compaction input: malformed internal key");
          break;
        }
        if (hi && Comparator::compare(k.user_key, *hi) >= 0) break;
        const std::size_t st = stripe(k.sequence);
        bool drop = false;
        if (!has_current || Comparator::compare(k.user_key, current_key) != 0) {
          current_key.assign(k.user_key);
          has_current = true;
          key_is_base = !key_in_deeper(k.user_key);
        } else if (st == last_stripe) {
          drop = true;  // shadowed by a newer version every reader sees first
        }
        last_stripe = st;
        if (!drop && k.kind == value_kind::deletion && st == 0 && key_is_base) drop = true;
        if (!drop) {
          // Deleted for every reader when the oldest tombstone above it lies
          // in its snapshot stripe.
          const sequence_number t = tombstones.min_covering_above(k.user_key, k.sequence);
          if (t != 0 && stripe(t) == st) drop = true;
        }
        if (drop) continue;
        s = out.add(input.key(), input.value());
        if (!s.ok()) break;
      }
      if (s.ok()) s = input.get_status();
      if (!s.ok()) {
        out.abandon();
        return s;
      }
      return out.finish_all(files);
    };

    // A large merge runs as two subcompactions on either side of a split
    // key, the second on a thread of its own: with two cores, compaction
    // keeps up with twice the write rate while the writer waits for it.
    std::vector<file_meta> files;
    status s;
    std::optional<std::string> split;
    if (may_split) split = split_key(job.inputs, outputs_level, bytes_read);
    if (split) {
      std::vector<file_meta> upper_files;
      status upper;
      std::thread helper;
      try {
        helper = std::thread([&] { upper = merge(split, std::nullopt, upper_files); });
      } catch (const std::system_error&) {  // no thread to be had: one after the other
        upper = merge(split, std::nullopt, upper_files);
      }
      s = merge(std::nullopt, split, files);
      if (helper.joinable()) helper.join();
      if (s.ok()) s = upper;
      if (s.ok()) {
        ++stats_.subcompactions;
        files.insert(files.end(), std::make_move_iterator(upper_files.begin()),
                     std::make_move_iterator(upper_files.end()));
      } else {
        // Finished files no version will name: gone now, not at the next open.
        for (const auto* made : {&files, &upper_files})
          for (const auto& f : *made) (void)fs_->remove_file(table_file_name(dir_, f.number));
      }
    } else {
      s = merge(std::nullopt, std::nullopt, files);
    }
    if (!s.ok()) return s;
    for (const auto& f : job.inputs) edit.deleted_files.emplace_back(job.level, f->number());
    for (const auto& f : outputs_level)
      edit.deleted_files.emplace_back(job.output_level, f->number());
    std::uint64_t bytes_written = 0;
    for (auto& f : files) {
      bytes_written += f.file_size;
      edit.new_files.emplace_back(job.output_level, std::move(f));
    }
    s = apply_edit(edit);
    if (!s.ok()) {
      discard_new_tables(edit);
      return s;
    }
    stats_.compaction_bytes_read += bytes_read;
    stats_.compaction_bytes_written += bytes_written;
    ++stats_.compactions;
    {
      std::lock_guard lock(mu_);
      publish_super();
      bg_cv_.notify_all();
    }
    // The callers remove the inputs' files once they let go of the job
    // (its handles keep them until then).
    return {};
  }

  /// The user key that splits a merge of `inputs` and `outputs` (bytes in
  /// all) into two subcompactions of about equal input, or nothing: with one
  /// background thread, for a merge under 4 target files, or where no file
  /// boundary comes near the middle. The key is some file's smallest, so
  /// that both halves hold keys; every version of a key falls in one half.
  std::optional<std::string> split_key(const std::vector<table_file_ptr>& inputs,
                                       const std::vector<table_file_ptr>& outputs,
                                       std::uint64_t bytes) const {
    if (opts_.background_threads < 2 || bytes < 4 * std::uint64_t{opts_.target_file_size})
      return std::nullopt;
    std::vector<const table_file*> all;
    for (const auto* files : {&inputs, &outputs})
      for (const auto& f : *files) all.push_back(f.get());
    // Input bytes below key k: whole files that end before it, half of
    // those that straddle it.
    auto below = [&](std::string_view k) {
      std::uint64_t n = 0;
      for (const table_file* f : all)
        if (Comparator::compare(f->largest_user_key(), k) < 0)
          n += f->meta().file_size;
        else if (Comparator::compare(f->smallest_user_key(), k) < 0)
          n += f->meta().file_size / 2;
      return n;
    };
    std::optional<std::string> best;
    std::uint64_t best_distance = bytes / 4;  // a split must come at least this near the middle
    for (const table_file* f : all) {
      const std::uint64_t b = below(f->smallest_user_key());
      if (b == 0) continue;  // nothing would lie below it
      const std::uint64_t distance = b > bytes / 2 ? b - bytes / 2 : bytes / 2 - b;
      if (distance < best_distance) {
        best_distance = distance;
        best.emplace(f->smallest_user_key());
      }
    }
    return best;
  }

  /// Builds output tables: cuts a new file at target_file_size (never between
  /// two versions of one user key) and clips range tombstones to each file's
  /// key range so files of a level never overlap.
  class compaction_output {
   public:
    /// single_file: never cut (a memtable flush makes one level-0 table).
    compaction_output(engine& e, bool single_file) : e_(e), single_file_(single_file) {}
    ~compaction_output() {
      abandon();
      // Tables finished but never handed back (a later step failed): no
      // version will name them, and a retried job makes new ones.
      for (const auto& m : made_) (void)e_.fs_->remove_file(table_file_name(e_.dir_, m.number));
    }

    /// Also cuts a file once it overlaps more than max_bytes of `files` (the
    /// level below the output level, sorted and disjoint), as LevelDB does:
    /// a later compaction of that file then rewrites at most about that much.
    /// REQUIRES: *files outlives the output.
    void limit_overlap(const std::vector<table_file_ptr>* files, std::uint64_t max_bytes) {
      grandparents_ = files;
      max_overlap_ = max_bytes;
    }

    /// The output's user-key range, [lower, upper) (unbounded where unset):
    /// range tombstones are clipped to it, so that the files of two
    /// subcompactions never overlap.
    void set_bounds(std::optional<std::string> lower, std::optional<std::string> upper) {
      lower_ = std::move(lower);
      upper_ = std::move(upper);
    }

    status add(std::string_view ikey, std::string_view value) {
      const std::string_view user_key = extract_user_key(ikey);
      const bool overlap_full = overlap_limit_reached(user_key);
      if (current_ && !single_file_ &&
          (overlap_full || current_->builder.file_size() >= e_.opts_.target_file_size) &&
          Comparator::compare(user_key, extract_user_key(current_->builder.last_key())) != 0) {
        overlapped_ = 0;
        status s = finish_current(std::string(user_key));
        if (!s.ok()) return s;
      }
      if (!current_) {
        status s = start_file();
        if (!s.ok()) return s;
      }
      auto& m = current_->meta;
      if (m.num_entries == 0 && m.smallest.empty()) m.smallest.assign(ikey);
      // m.largest: the builder's last key, taken when the file ends.
      const sequence_number seq = extract_sequence(ikey);
      m.smallest_seq = m.num_entries == 0 ? seq : std::min(m.smallest_seq, seq);
      m.largest_seq = std::max(m.largest_seq, seq);
      ++m.num_entries;
      if (extract_kind(ikey) == value_kind::deletion) ++m.num_deletions;
      current_->builder.add(ikey, value);
      return current_->builder.get_status();
    }
    void add_tombstone(const range_tombstone_entry& t) { tombstones_.push_back(t); }

    /// Finishes the last file (placing the remaining tombstones) and hands
    /// back every file made.
    status finish_all(std::vector<file_meta>& files) {
      if (!current_ && !tombstones_.empty()) {
        status s = start_file();
        if (!s.ok()) return s;
      }
      if (current_) {
        status s = finish_current(upper_);
        if (!s.ok()) return s;
      }
      if (!made_.empty()) {
        // Sticky, unlike a failed table write: after a failed directory
        // sync the kernel may have dropped other entries of the directory
        // (a new WAL's) that a later successful sync would not bring back.
        status s = e_.fs_->sync_dir(e_.dir_);
        if (!s.ok()) {
          e_.fail_sticky(s);
          return s;
        }
      }
      files = std::move(made_);
      made_.clear();
      return {};
    }
    void abandon() {
      if (current_) {
        current_->builder.abandon();
        (void)current_->file->close();
        (void)e_.fs_->remove_file(table_file_name(e_.dir_, current_->meta.number));
        current_.reset();
      }
    }

   private:
    /// Adds up the grandparent files that end before user_key (once keys
    /// were added: the files before the first key never count).
    bool overlap_limit_reached(std::string_view user_key) {
      if (grandparents_ == nullptr) return false;
      const auto& g = *grandparents_;
      while (grandparent_index_ < g.size() &&
             Comparator::compare(user_key, g[grandparent_index_]->largest_user_key()) > 0) {
        if (seen_key_) overlapped_ += g[grandparent_index_]->meta().file_size;
        ++grandparent_index_;
      }
      seen_key_ = true;
      return overlapped_ > max_overlap_;
    }

    struct open_file {
      std::unique_ptr<writable_file> file;
      table_builder_type builder;
      file_meta meta;
      open_file(std::unique_ptr<writable_file> f, const table_options& o)
          : file(std::move(f)), builder(o, *file) {}
    };

    status start_file() {
      const std::uint64_t number = e_.versions_->new_file_number();
      auto f = e_.fs_->new_writable_file(table_file_name(e_.dir_, number));
      if (!f.ok()) return f.take_status();
      (*f)->set_write_behind(table_write_behind);
      current_ = std::make_unique<open_file>(std::move(*f), e_.table_options_);
      current_->meta.number = number;
      return {};
    }

    /// Ends the current file; `upper` is the first user key of the next file.
    status finish_current(std::optional<std::string> upper) {
      auto& m = current_->meta;
      if (m.num_entries > 0) m.largest.assign(current_->builder.last_key());
      for (const auto& t : tombstones_) {
        std::string_view first = t.first, last = t.last;
        if (lower_ && Comparator::compare(first, *lower_) < 0) first = *lower_;
        if (upper && Comparator::compare(*upper, last) < 0) last = *upper;
        if (Comparator::compare(first, last) >= 0) continue;
        current_->builder.add_range_tombstone(first, last, t.seq);
        note_tombstone(m, first, last, t.seq);
      }
      lower_ = upper;
      status s = current_->builder.finish();
      if (s.ok()) s = current_->file->sync();
      if (s.ok()) s = current_->file->close();
      if (!s.ok()) {
        abandon();
        return s;
      }
      m.file_size = current_->builder.file_size();
      if (m.num_entries == 0 && m.num_deletions == 0) {
        // Nothing survived: drop the empty table.
        (void)e_.fs_->remove_file(table_file_name(e_.dir_, m.number));
      } else {
        made_.push_back(m);
      }
      current_.reset();
      return {};
    }

    engine& e_;
    std::unique_ptr<open_file> current_;
    std::vector<range_tombstone_entry> tombstones_;
    std::optional<std::string> lower_;
    std::optional<std::string> upper_;  // set_bounds
    std::vector<file_meta> made_;
    bool single_file_;
    const std::vector<table_file_ptr>* grandparents_ = nullptr;
    std::uint64_t max_overlap_ = 0;
    std::size_t grandparent_index_ = 0;
    std::uint64_t overlapped_ = 0;  // grandparent bytes the current file spans
    bool seen_key_ = false;
  };

  /// Deletes WALs older than the MANIFEST's log number, old MANIFESTs and
  /// temp files, tables marked obsolete and no longer referenced, and (at
  /// open) tables no version refers to.
  void remove_obsolete_files(bool at_open) {
    // One pass at a time: a caller whose files another pass took returns
    // only once that pass has removed them (compact() frees its inputs).
    std::lock_guard ol(obsolete_mu_);
    // Readers of deleted files close here, outside every lock but
    // obsolete_mu_, at the end.
    const auto readers = versions_->obsolete()->take_readers();
    for (std::uint64_t number : versions_->obsolete()->take()) {
      tables_->evict(number);
      (void)fs_->remove_file(table_file_name(dir_, number));
    }
    auto children = fs_->get_children(dir_);
    if (!children.ok()) return;
    std::set<std::uint64_t> live;
    if (at_open) {
      version_ptr v = versions_->current();
      for (const auto& level : v->levels)
        for (const auto& f : level) live.insert(f->number());
    }
    std::uint64_t min_log;
    {
      std::lock_guard lock(mu_);
      min_log = versions_->log_number();
      for (const auto& m : imms_) min_log = std::min(min_log, m->log_number);
      if (mem_) min_log = std::min(min_log, mem_->log_number);
    }
    for (const auto& name : *children) {
      std::uint64_t number = 0;
      file_type type{};
      if (!parse_file_name(name, number, type)) continue;
      bool remove = false;
      switch (type) {
        case file_type::log:
          remove = number < min_log;
          break;
        case file_type::manifest:
          // At open every other one. Later only older ones: a MANIFEST
          // numbered above the one read here may be a new one that CURRENT
          // already names (start_new_manifest removes the one it replaces).
          remove = at_open ? number != versions_->manifest_number()
                           : number < versions_->manifest_number();
          break;
        case file_type::temp:
          remove = at_open;
          break;
        case file_type::table:
          remove = at_open && !live.count(number);
          break;
        default:
          break;
      }
      if (remove) (void)fs_->remove_file(dir_ + "/" + name);
    }
  }

  const std::string dir_;
  const options opts_;
  std::shared_ptr<file_system> fs_;
  policy_names names_;
  table_options table_options_;
  bool repairing_ = false;  // set by open() before recover(); read only there
  std::unique_ptr<block_cache> blocks_;
  std::unique_ptr<table_cache<table>> tables_;
  std::unique_ptr<version_set<Comparator>> versions_;
  std::shared_ptr<snapshot_list> snapshots_;
  std::unique_ptr<file_lock> lock_;

  std::mutex manifest_mu_;    // serializes version edits
  std::mutex compaction_mu_;  // one compaction at a time (background or manual)
  std::mutex obsolete_mu_;    // one remove_obsolete_files pass at a time (taken before mu_)
  std::mutex policy_mu_;      // guards policy_ and the seek candidate
  Compaction policy_{};
  std::weak_ptr<const table_file> seek_candidate_;  // a file lookups read in vain too often
  int seek_candidate_level_ = 0;

  mutable std::mutex mu_;
  std::condition_variable bg_cv_;    // background threads wait here
  std::condition_variable done_cv_;  // writers and waiters wait here
  std::deque<pending_writer*> writers_;
  write_batch scratch_batch_;
  std::unique_ptr<writable_file> log_file_;
  std::unique_ptr<wal::writer> log_writer_;
  std::vector<std::unique_ptr<writable_file>> retired_logs_;  // closed by close_retired_logs
  mem_ptr mem_;
  std::vector<mem_ptr> imms_;  // newest first
  std::atomic<sequence_number> last_sequence_{0};
  status bg_error_;
  retry_state flush_retry_;
  retry_state compaction_retry_;
  bool shutting_down_ = false;
  bool compaction_running_ = false;
  bool flush_running_ = false;      // flush_oldest is at work (guarded by mu_)
  bool log_dir_synced_ = true;      // the WAL's directory entry is durable (writer queue leader)
  bool log_preallocating_ = false;  // the WAL reserves its space (writer queue leader)
  bool log_broken_ = false;         // the last WAL append failed, or no WAL (guarded by mu_)
  std::atomic<write_pressure> pressure_{write_pressure::none};
  std::uint64_t written_at_last_job_ = 0;  // user bytes written; under compaction_mu_

  /// The super version readers start from (published by publish_super()).
  published<super_version> super_;

  counters stats_;
  std::thread flush_thread_;
  std::thread compaction_thread_;
};

template <key_comparator Comparator, class Memtable, class Filter, class Compaction>
result<std::unique_ptr<engine_api>> open_engine(const std::string& dir, const options& opts,
                                                policy_names names, open_mode mode) {
  auto e =
      engine<Comparator, Memtable, Filter, Compaction>::open(dir, opts, std::move(names), mode);
  if (!e.ok()) return e.take_status();
  return std::unique_ptr<engine_api>(std::move(*e));
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm

/// Instantiates the engine of one policy combination in this translation
/// unit, for the translation units built with LSM_SEPARATE_COMPILATION (which
/// only declare it). Use at namespace scope, after including this header:
///   LSM_INSTANTIATE_ENGINE(lsm::bytewise_comparator, lsm::memtable::vector,
///                          lsm::filter::bloom<10>, lsm::compaction::leveled<4, 10>)
/// (the four template arguments of lsm::detail::engine, spelled out).
/// The comparator of a tree<Key, Value, Codec, ...> is
/// lsm::tree<...>::comparator: lsm::bytewise_comparator unless Codec orders
/// keys itself.
#define LSM_INSTANTIATE_ENGINE(...)                                                                \
  template auto ::lsm::detail::open_engine<__VA_ARGS__>(const std::string&, const ::lsm::options&, \
                                                        ::lsm::detail::policy_names,               \
                                                        ::lsm::detail::open_mode)                  \
      ->::lsm::result<std::unique_ptr<::lsm::detail::engine_api>>
