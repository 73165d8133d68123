// lsm/tree.hpp — lsm::tree, the typed façade: encodes keys and values with
// the Codec, hands bytes to the engine, decodes what comes back, and turns
// the engine's status values into exceptions (lsm::error) or, in the
// overloads taking std::error_code& last, into error codes.
//
// Thread safety: every member function may be called from any number of
// threads at once. Cursors and scan ranges are used by one thread each; they
// see the state of the tree at the moment they were made (or their snapshot)
// and stay valid across flushes and compactions.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "lsm/batch.hpp"
#include "lsm/codec/codec.hpp"
#include "lsm/codec/concept.hpp"
#include "lsm/codec/guarded.hpp"
#include "lsm/compaction/leveled.hpp"
#include "lsm/compaction/policy.hpp"
#include "lsm/engine/engine_api.hpp"
#include "lsm/error.hpp"
#include "lsm/filter/bloom.hpp"
#include "lsm/filter/concept.hpp"
#include "lsm/fwd.hpp"
#include "lsm/memtable/concept.hpp"
#include "lsm/memtable/skiplist.hpp"
#include "lsm/options.hpp"
#include "lsm/snapshot.hpp"
#include "lsm/stats.hpp"

namespace lsm {
inline namespace v0 {

template <class Key, class Value, class Codec, class Memtable, class Filter, class Compaction>
class tree {
  static_assert(codec_for<Codec, Key, Value>,
                "lsm::tree: Codec is not a codec for (Key, Value): it needs static "
                "encode_key, decode_key, encode_value, decode_value and name (see lsm::codec_for)");
  static_assert(memtable_policy<Memtable>,
                "lsm::tree: Memtable is not a memtable policy: it needs a nested "
                "template<class Comparator> table (see lsm::memtable_policy)");
  static_assert(filter_policy<Filter>,
                "lsm::tree: Filter is not a filter policy: it needs static name, build and "
                "may_contain (see lsm::filter_policy)");
  static_assert(compaction_policy<Compaction>,
                "lsm::tree: Compaction is not a compaction policy: it needs static name, pick "
                "and pressure (see lsm::compaction_policy)");

 public:
  /// How the tree orders encoded keys (see detail::codec_comparator_t).
  using comparator = detail::codec_comparator_t<Codec>;
  using engine_type = detail::engine<comparator, Memtable, Filter, Compaction>;
  using key_type = Key;
  using value_type = Value;
  using codec_type = Codec;
  using batch = lsm::batch<Key, Value, Codec>;

  /// Opens or creates the tree in directory `path`. Throws lsm::error.
  explicit tree(const std::string& path, const options& opts = {}) {
    open(path, opts).throw_if_error();
  }
  /// Non-throwing open: on failure `ec` is set and the tree is unusable
  /// (every call on it fails with invalid_argument).
  tree(const std::string& path, const options& opts, std::error_code& ec) {
    ec = open(path, opts).error_code();
  }
  tree(const std::string& path, std::error_code& ec) : tree(path, options{}, ec) {}
  tree(tree&&) noexcept = default;
  tree& operator=(tree&&) noexcept = default;
  tree(const tree&) = delete;
  tree& operator=(const tree&) = delete;
  ~tree() = default;

  // ---- writes -------------------------------------------------------------

  void put(const Key& key, const Value& value, const write_options& wo = {}) {
    do_put(key, value, wo).throw_if_error();
  }
  void put(const Key& key, const Value& value, std::error_code& ec) {
    ec = do_put(key, value, {}).error_code();
  }
  void put(const Key& key, const Value& value, const write_options& wo, std::error_code& ec) {
    ec = do_put(key, value, wo).error_code();
  }

  void erase(const Key& key, const write_options& wo = {}) { do_erase(key, wo).throw_if_error(); }
  void erase(const Key& key, std::error_code& ec) { ec = do_erase(key, {}).error_code(); }
  void erase(const Key& key, const write_options& wo, std::error_code& ec) {
    ec = do_erase(key, wo).error_code();
  }

  /// Erases every key in [first, last) with one range tombstone.
  void erase_range(const Key& first, const Key& last, const write_options& wo = {}) {
    do_erase_range(first, last, wo).throw_if_error();
  }
  void erase_range(const Key& first, const Key& last, std::error_code& ec) {
    ec = do_erase_range(first, last, {}).error_code();
  }
  void erase_range(const Key& first, const Key& last, const write_options& wo,
                   std::error_code& ec) {
    ec = do_erase_range(first, last, wo).error_code();
  }

  /// Applies every update of b atomically.
  void write(batch& b, const write_options& wo = {}) { do_write(b, wo).throw_if_error(); }
  void write(batch& b, std::error_code& ec) { ec = do_write(b, {}).error_code(); }
  void write(batch& b, const write_options& wo, std::error_code& ec) {
    ec = do_write(b, wo).error_code();
  }
  /// A const batch (or a temporary) is written through a copy: the tree
  /// stamps its sequence number into the batch it writes.
  void write(const batch& b, const write_options& wo = {}) {
    batch copy = b;
    write(copy, wo);
  }
  void write(const batch& b, std::error_code& ec) { write(b, write_options{}, ec); }
  void write(const batch& b, const write_options& wo, std::error_code& ec) {
    batch copy = b;
    write(copy, wo, ec);
  }

  // ---- reads --------------------------------------------------------------

  std::optional<Value> get(const Key& key, const read_options& ro = {}) const {
    std::optional<Value> out;
    do_get(key, ro, out).throw_if_error();
    return out;
  }
  std::optional<Value> get(const Key& key, std::error_code& ec) const {
    return get(key, read_options{}, ec);
  }
  std::optional<Value> get(const Key& key, const read_options& ro, std::error_code& ec) const {
    std::optional<Value> out;
    ec = do_get(key, ro, out).error_code();
    return out;
  }

  bool contains(const Key& key, const read_options& ro = {}) const {
    std::string raw;
    bool found = false;
    do_get_raw(key, ro, raw, found).throw_if_error();
    return found;
  }
  bool contains(const Key& key, std::error_code& ec) const {
    return contains(key, read_options{}, ec);
  }
  bool contains(const Key& key, const read_options& ro, std::error_code& ec) const {
    std::string raw;
    bool found = false;
    ec = do_get_raw(key, ro, raw, found).error_code();
    return found;
  }

  /// A handle pinning the current state; pass it in read_options::snapshot.
  /// Throws lsm::error (invalid_argument) if the tree is not open.
  lsm::snapshot snapshot() const {
    usable().throw_if_error();
    return engine_->take_snapshot();
  }
  /// On a tree that is not open, sets `ec` and returns a snapshot of nothing.
  lsm::snapshot snapshot(std::error_code& ec) const {
    ec = usable().error_code();
    return ec ? lsm::snapshot(nullptr, 0) : engine_->take_snapshot();
  }

  /// A bidirectional cursor over the tree (or a snapshot of it).
  class cursor_type {
   public:
    bool valid() const { return it_->valid(); }
    /// Throws lsm::error (invalid_argument, unless the codec threw an
    /// lsm::error of its own) if the key does not encode.
    void seek(const Key& key) {
      std::string k;
      encode_key(key, k).throw_if_error();
      it_->seek(k);
    }
    /// As seek(key); a key that does not encode sets `ec` and leaves the
    /// cursor where it was.
    void seek(const Key& key, std::error_code& ec) {
      std::string k;
      ec = encode_key(key, k).error_code();
      if (!ec) it_->seek(k);
    }
    void seek_to_first() { it_->seek_to_first(); }
    void seek_to_last() { it_->seek_to_last(); }
    /// REQUIRES: valid().
    void next() { it_->next(); }
    /// REQUIRES: valid().
    void prev() { it_->prev(); }
    /// REQUIRES: valid(). Throws lsm::error (corruption, unless the codec
    /// threw an lsm::error of its own) if the key does not decode.
    Key key() const { return decode_key(it_->key()); }
    /// REQUIRES: valid(). Throws lsm::error (as key()) if the value does
    /// not decode.
    Value value() const { return decode_value(it_->value()); }
    /// REQUIRES: valid(). As key() and value(), but a key or value that does
    /// not decode sets `ec` and gives an empty optional.
    std::optional<Key> key(std::error_code& ec) const {
      return without_throwing(ec, [&] { return decode_key(it_->key()); });
    }
    std::optional<Value> value(std::error_code& ec) const {
      return without_throwing(ec, [&] { return decode_value(it_->value()); });
    }
    std::string_view raw_key() const { return it_->key(); }
    std::string_view raw_value() const { return it_->value(); }
    /// An error met while moving (then valid() is false).
    std::error_code error() const { return it_->get_status().error_code(); }
    /// Throws lsm::error if the cursor met an error.
    void check() const { it_->get_status().throw_if_error(); }

   private:
    friend class tree;
    explicit cursor_type(std::unique_ptr<detail::internal_iterator> it) : it_(std::move(it)) {}
    std::unique_ptr<detail::internal_iterator> it_;
  };

  /// A bidirectional cursor: seek, seek_to_first/last, next, prev, valid,
  /// key, value. On a tree that is not open it is never valid and its
  /// error() says so.
  cursor_type cursor(const read_options& ro = {}) const {
    if (status s = usable(); !s.ok())
      return cursor_type(std::make_unique<detail::empty_iterator>(std::move(s)));
    return cursor_type(engine_->new_user_iterator(snapshot_sequence(ro), settings(ro)));
  }
  /// As cursor(), and `ec` says why a tree that is not open gave a cursor
  /// that is never valid (errors met while moving are in its error()).
  cursor_type cursor(std::error_code& ec) const { return cursor(read_options{}, ec); }
  cursor_type cursor(const read_options& ro, std::error_code& ec) const {
    ec = usable().error_code();
    return cursor(ro);
  }

  /// The lazy range returned by scan(): ascending pairs in [first, last).
  class scan_range {
   public:
    class iterator {
     public:
      using iterator_category = std::input_iterator_tag;
      using value_type = std::pair<Key, Value>;
      using difference_type = std::ptrdiff_t;
      using pointer = const value_type*;
      using reference = const value_type&;

      iterator() = default;
      reference operator*() const { return current_; }
      pointer operator->() const { return &current_; }
      iterator& operator++() {
        range_->cursor_.next();
        load();
        return *this;
      }
      void operator++(int) { ++*this; }
      friend bool operator==(const iterator& a, const iterator& b) { return a.range_ == b.range_; }

     private:
      friend class scan_range;
      explicit iterator(scan_range* r) : range_(r) { load(); }
      void load() {
        try {
          if (!range_->in_range()) {
            range_->cursor_.check();
            range_ = nullptr;
            return;
          }
          current_ = {range_->cursor_.key(), range_->cursor_.value()};
        } catch (const lsm::error& e) {
          if (range_->ec_ == nullptr) throw;
          *range_->ec_ = e.code();  // the non-throwing scan ends at its first error
          range_ = nullptr;
        }
      }
      scan_range* range_ = nullptr;
      value_type current_{};
    };

    /// REQUIRES: called once (the range is single-pass).
    iterator begin() {
      if (first_)
        cursor_.it_->seek(*first_);
      else
        cursor_.seek_to_first();
      return iterator(this);
    }
    iterator end() { return iterator(); }

   private:
    friend class tree;
    scan_range(cursor_type c, std::optional<std::string> first, std::optional<std::string> last,
               std::error_code* ec)
        : cursor_(std::move(c)), first_(std::move(first)), last_(std::move(last)), ec_(ec) {}
    bool in_range() const {
      return cursor_.valid() && (!last_ || comparator::compare(cursor_.raw_key(), *last_) < 0);
    }
    cursor_type cursor_;
    std::optional<std::string> first_, last_;
    std::error_code* ec_;  // null: errors throw
  };

  /// Ascending (key, value) pairs with first <= key < last.
  scan_range scan(const Key& first, const Key& last, const read_options& ro = {}) const {
    return bounded_scan(first, last, ro, nullptr);
  }
  /// Every (key, value) pair, ascending.
  scan_range scan(const read_options& ro = {}) const {
    return scan_range(cursor(ro), std::nullopt, std::nullopt, nullptr);
  }
  /// Non-throwing scans: `ec` is cleared here, and set by the first error
  /// (the tree not open, an I/O error, corruption, a key or value that does
  /// not decode), which ends the range. `ec` must outlive the range.
  scan_range scan(const Key& first, const Key& last, std::error_code& ec) const {
    return scan(first, last, read_options{}, ec);
  }
  scan_range scan(const Key& first, const Key& last, const read_options& ro,
                  std::error_code& ec) const {
    ec.clear();
    return bounded_scan(first, last, ro, &ec);
  }
  scan_range scan(std::error_code& ec) const { return scan(read_options{}, ec); }
  scan_range scan(const read_options& ro, std::error_code& ec) const {
    ec.clear();
    return scan_range(cursor(ro), std::nullopt, std::nullopt, &ec);
  }

  // ---- control ------------------------------------------------------------

  /// Writes the memtable to a table now and waits for it.
  void flush() { do_flush().throw_if_error(); }
  void flush(std::error_code& ec) { ec = do_flush().error_code(); }

  /// Compacts the files holding keys in [first, last] down the levels; waits.
  void compact_range(const Key& first, const Key& last) {
    do_compact(first, last).throw_if_error();
  }
  void compact_range(const Key& first, const Key& last, std::error_code& ec) {
    ec = do_compact(first, last).error_code();
  }
  void compact() { do_compact_all().throw_if_error(); }
  void compact(std::error_code& ec) { ec = do_compact_all().error_code(); }

  void wait_for_background_work() { do_wait().throw_if_error(); }
  void wait_for_background_work(std::error_code& ec) { ec = do_wait().error_code(); }

  /// The bytes on disk of the tables holding keys in [first, last),
  /// approximately (to the data block at each end): what a range would
  /// cost to read or would free once compacted away. Writes still in the
  /// memtables do not count (as LevelDB's GetApproximateSizes); 0 when
  /// first >= last.
  std::uint64_t approximate_size(const Key& first, const Key& last) const {
    std::uint64_t bytes = 0;
    do_approximate_size(first, last, bytes).throw_if_error();
    return bytes;
  }
  std::uint64_t approximate_size(const Key& first, const Key& last, std::error_code& ec) const {
    std::uint64_t bytes = 0;
    ec = do_approximate_size(first, last, bytes).error_code();
    return bytes;
  }

  /// Reads every table the tree is made of from its file and checks every
  /// block's checksum (data, index, filter, properties, range tombstones),
  /// as RocksDB's VerifyChecksum: bit rot shows up now rather than when a
  /// read or a compaction reaches it. corruption names the file and the
  /// offset. The WALs and the MANIFEST are checked when the tree opens.
  /// Reads and writes go on meanwhile.
  void verify_checksums() const { do_verify().throw_if_error(); }
  void verify_checksums(std::error_code& ec) const { ec = do_verify().error_code(); }

  /// Writes a consistent copy of the tree, as of the call, into the new
  /// directory `dir` on the tree's file system (RocksDB's checkpoint): an
  /// online backup that opens as a tree of these types and policies. The
  /// memtables are flushed first; the tables are linked into `dir` (copied
  /// where the file system cannot link, e.g. across devices), so a
  /// checkpoint beside the tree costs little space until compaction
  /// replaces the tables. Every write that returned before the call is in
  /// the copy; reads and writes go on meanwhile. Everything is synced before
  /// the call returns, and CURRENT is written last: a checkpoint cut short
  /// (a crash, a full disk) has no CURRENT and should be deleted. `dir`
  /// must not exist (invalid_argument); its parent must.
  void checkpoint(const std::string& dir) { do_checkpoint(dir).throw_if_error(); }
  void checkpoint(const std::string& dir, std::error_code& ec) {
    ec = do_checkpoint(dir).error_code();
  }

  /// Rebuilds the closed tree in directory `path` from the tables and WALs
  /// in it, as LevelDB's RepairDB: for a tree that no longer opens because
  /// its MANIFEST or CURRENT is damaged or lost, or that holds a damaged
  /// table. A MANIFEST that reads whole is followed (its tables and the
  /// WALs it does not cover); otherwise every table and every WAL in the
  /// directory counts. Every table that reads through with sound checksums
  /// is kept; a damaged one moves to `path/lost/`; each WAL is replayed up
  /// to its first damaged record; a new MANIFEST then lists it all and a
  /// full compaction puts it in order. The tree's types and policies must
  /// be those it was written with (otherwise invalid_argument, and nothing
  /// is changed). Until the new MANIFEST is in place nothing is removed, so
  /// a repair cut short (a crash, a full disk) can be run again. What is
  /// lost: the damaged tables' entries, a WAL's records from its damage on,
  /// and, without a readable MANIFEST, a key erased after a compaction had
  /// replaced (but not yet deleted) a table holding it may come back, as
  /// with LevelDB. errc::busy while a tree has the directory open.
  static void repair(const std::string& path, const options& opts = {}) {
    do_repair(path, opts).throw_if_error();
  }
  static void repair(const std::string& path, const options& opts, std::error_code& ec) {
    ec = do_repair(path, opts).error_code();
  }
  static void repair(const std::string& path, std::error_code& ec) { repair(path, options{}, ec); }

  /// The counters (all zero if the tree is not open).
  lsm::stats stats() const { return engine_ ? engine_->get_stats() : lsm::stats{}; }

  /// The byte-level engine, for tests and tools. REQUIRES: the tree is open;
  /// lsm/engine/engine.hpp is included.
  engine_type& engine() { return static_cast<engine_type&>(*engine_); }

 private:
  static detail::policy_names names() {
    return {std::string(comparator::name), std::string(Codec::name), std::string(Filter::name)};
  }
  status open(const std::string& path, const options& opts) {
    opts_ = opts;
    auto e = detail::open_engine<comparator, Memtable, Filter, Compaction>(
        path, opts, names(), detail::open_mode::normal);
    if (!e.ok()) return e.take_status();
    engine_ = std::move(*e);
    return {};
  }
  static status do_repair(const std::string& path, const options& opts) {
    auto e = detail::open_engine<comparator, Memtable, Filter, Compaction>(
        path, opts, names(), detail::open_mode::repair);
    if (!e.ok()) return e.take_status();
    return (*e)->compact_range(std::nullopt, std::nullopt);
  }

  status usable() const {
    if (!engine_) return status::invalid_argument("the tree is not open");
    return {};
  }
  status check_sizes(std::size_t key_size, std::size_t value_size) const {
    if (key_size > opts_.max_key_size)
      return status::invalid_argument("key of " + std::to_string(key_size) +
                                      " bytes exceeds options.max_key_size (" +
                                      std::to_string(opts_.max_key_size) + ")");
    if (value_size > opts_.max_value_size)
      return status::invalid_argument("value of " + std::to_string(value_size) +
                                      " bytes exceeds options.max_value_size (" +
                                      std::to_string(opts_.max_value_size) + ")");
    return {};
  }

  static detail::write_batch& scratch() {
    thread_local detail::write_batch b;
    b.clear();
    return b;
  }
  static std::string& scratch_key() {
    thread_local std::string s;
    s.clear();
    return s;
  }
  static std::string& scratch_value() {
    thread_local std::string s;
    s.clear();
    return s;
  }

  status do_put(const Key& key, const Value& value, const write_options& wo) {
    if (status s = usable(); !s.ok()) return s;
    std::string& k = scratch_key();
    std::string& v = scratch_value();
    if (status s = encode_key(key, k); !s.ok()) return s;
    if (status s = encode_value(value, v); !s.ok()) return s;
    if (status s = check_sizes(k.size(), v.size()); !s.ok()) return s;
    detail::write_batch& b = scratch();
    b.put(k, v);
    return engine_->write(b, wo.sync);
  }
  status do_erase(const Key& key, const write_options& wo) {
    if (status s = usable(); !s.ok()) return s;
    std::string& k = scratch_key();
    if (status s = encode_key(key, k); !s.ok()) return s;
    if (status s = check_sizes(k.size(), 0); !s.ok()) return s;
    detail::write_batch& b = scratch();
    b.erase(k);
    return engine_->write(b, wo.sync);
  }
  status do_erase_range(const Key& first, const Key& last, const write_options& wo) {
    if (status s = usable(); !s.ok()) return s;
    std::string& f = scratch_key();
    std::string& l = scratch_value();
    if (status s = encode_key(first, f); !s.ok()) return s;
    if (status s = encode_key(last, l); !s.ok()) return s;
    if (status s = check_sizes(std::max(f.size(), l.size()), 0); !s.ok()) return s;
    if (comparator::compare(f, l) >= 0) return {};  // an empty range
    detail::write_batch& b = scratch();
    b.erase_range(f, l);
    return engine_->write(b, wo.sync);
  }
  status do_write(batch& b, const write_options& wo) {
    if (status s = usable(); !s.ok()) return s;
    if (status s = check_sizes(b.max_key_size(), b.max_value_size()); !s.ok()) return s;
    return engine_->write(b.rep(), wo.sync);
  }
  status do_get_raw(const Key& key, const read_options& ro, std::string& raw, bool& found) const {
    if (status s = usable(); !s.ok()) return s;
    std::string& k = scratch_key();
    if (status s = encode_key(key, k); !s.ok()) return s;
    return engine_->get(k, snapshot_sequence(ro), settings(ro), raw, found);
  }
  status do_get(const Key& key, const read_options& ro, std::optional<Value>& out) const {
    std::string raw;
    bool found = false;
    status s = do_get_raw(key, ro, raw, found);
    if (!s.ok() || !found) return s;
    try {
      out.emplace(decode_value(raw));
    } catch (const lsm::error& e) {
      return guarded::status_of(e, errc::corruption);
    }
    return s;
  }
  /// A scan whose bounds do not encode throws at once, or (non-throwing)
  /// sets *ec and gives an empty range.
  scan_range bounded_scan(const Key& first, const Key& last, const read_options& ro,
                          std::error_code* ec) const {
    std::string f, l;
    status s = encode_key(first, f);
    if (s.ok()) s = encode_key(last, l);
    if (!s.ok()) {
      if (ec == nullptr) s.throw_error();
      *ec = s.error_code();
      return scan_range(cursor_type(std::make_unique<detail::empty_iterator>(std::move(s))),
                        std::nullopt, std::nullopt, ec);
    }
    return scan_range(cursor(ro), std::move(f), std::move(l), ec);
  }

  /// f(), or an empty optional with `ec` set if it threw lsm::error.
  template <class F>
  static auto without_throwing(std::error_code& ec, F f) -> std::optional<decltype(f())> {
    ec.clear();
    try {
      return f();
    } catch (const lsm::error& e) {
      ec = e.code();
      return std::nullopt;
    }
  }

  // The codec's calls, guarded (lsm/codec/guarded.hpp).
  using guarded = detail::guarded_codec<Codec>;
  static status encode_key(const Key& key, std::string& out) {
    return guarded::encode_key(key, out);
  }
  static status encode_value(const Value& value, std::string& out) {
    return guarded::encode_value(value, out);
  }
  static Key decode_key(std::string_view bytes) { return guarded::template decode_key<Key>(bytes); }
  static Value decode_value(std::string_view bytes) {
    return guarded::template decode_value<Value>(bytes);
  }
  status do_compact(const Key& first, const Key& last) {
    if (status s = usable(); !s.ok()) return s;
    std::string f, l;
    if (status s = encode_key(first, f); !s.ok()) return s;
    if (status s = encode_key(last, l); !s.ok()) return s;
    return engine_->compact_range(f, l);
  }
  status do_approximate_size(const Key& first, const Key& last, std::uint64_t& bytes) const {
    if (status s = usable(); !s.ok()) return s;
    std::string f, l;
    if (status s = encode_key(first, f); !s.ok()) return s;
    if (status s = encode_key(last, l); !s.ok()) return s;
    return engine_->approximate_size(f, l, bytes);
  }
  status do_verify() const {
    if (status s = usable(); !s.ok()) return s;
    return engine_->verify_checksums();
  }
  status do_checkpoint(const std::string& dir) {
    if (status s = usable(); !s.ok()) return s;
    return engine_->checkpoint(dir);
  }
  status do_compact_all() {
    if (status s = usable(); !s.ok()) return s;
    return engine_->compact_range(std::nullopt, std::nullopt);
  }
  status do_flush() {
    if (status s = usable(); !s.ok()) return s;
    return engine_->flush();
  }
  status do_wait() {
    if (status s = usable(); !s.ok()) return s;
    return engine_->wait_for_background_work();
  }

  sequence_number snapshot_sequence(const read_options& ro) const {
    return ro.snapshot ? ro.snapshot->sequence() : engine_->latest_sequence();
  }
  static detail::read_settings settings(const read_options& ro) {
    return {ro.verify_checksums, ro.fill_cache};
  }

  options opts_;
  std::unique_ptr<detail::engine_api> engine_;
};

}  // namespace v0
}  // namespace lsm

// The engine's definition, unless this translation unit leaves it to another
// one (LSM_SEPARATE_COMPILATION: see lsm/engine/engine_api.hpp).
#ifndef LSM_SEPARATE_COMPILATION
#include "lsm/engine/engine.hpp"
#endif
