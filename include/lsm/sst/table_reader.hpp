// lsm/sst/table_reader.hpp — detail::table_reader<Comparator, Filter> reads
// one SST file (docs/format/sst.md): point lookups through the filter, the
// index and the data blocks, and a two-level iterator over every entry.
//
// Thread safety: after open() a reader is immutable; get(), new_iterator()
// and the accessors may be called from any number of threads at once (the
// file's read() and the block cache are thread-safe). An iterator is used by
// one thread at a time and must not outlive its reader.
// Invariants: open() verifies the footer and the checksums of the metaindex,
// index, properties and range_del blocks, and that every index entry holds a
// handle inside the file; a filter block that fails its checksum is ignored
// (lookups then read the index), so a corrupt filter never hides a key. Every
// error is errc::corruption naming the file, the offset, and the expected and
// found values; no input makes the reader read out of bounds.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/cache/lru_cache.hpp"
#include "lsm/error.hpp"
#include "lsm/filter/hash.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/sst/block.hpp"
#include "lsm/sst/format.hpp"
#include "lsm/sst/properties.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

template <key_comparator Comparator, class Filter>
class table_reader {
 public:
  using internal_comparator = internal_key_comparator<Comparator>;

  /// The outcome of get().
  struct lookup {
    bool found = false;           ///< an entry of the user key was found (any kind)
    bool filter_skipped = false;  ///< the filter excluded the key: no block was read
    std::string internal_key;     ///< the entry's internal key (kind in its tag)
    std::string value;
  };

  /// Opens the table in `file` of `file_size` bytes; `file_name` is used in
  /// error messages; `cache` (may be null) caches data blocks.
  /// REQUIRES: cache, when given, outlives the reader.
  static result<std::unique_ptr<table_reader>> open(const table_options& options,
                                                    std::unique_ptr<random_access_file> file,
                                                    std::uint64_t file_size, std::string file_name,
                                                    block_cache* cache) {
    std::unique_ptr<table_reader> t(
        new table_reader(std::move(file), file_size, std::move(file_name), cache));
    if (status s = t->load(options); !s.ok()) return s;
    // Loaded: a mapped table serves foreground reads from the mapping and
    // opens a descriptor only for a scan (table_iterator), so an open table
    // holds none.
    if (t->mapping_ != nullptr) t->file_->release_descriptor();
    return t;
  }

  table_reader(const table_reader&) = delete;
  table_reader& operator=(const table_reader&) = delete;

  /// Finds the newest entry of user_key with sequence <= seq: the first entry
  /// >= (user_key, seq, value_kind_for_seek). out.found tells whether it has
  /// user_key (it may be a deletion: see the kind in out.internal_key).
  status get(std::string_view user_key, sequence_number seq, const read_settings& settings,
             lookup& out) const {
    out.found = false;
    out.filter_skipped = false;
    if (has_filter_ && !Filter::may_contain(filter_, filter_hash<Comparator>(user_key))) {
      out.filter_skipped = true;
      return {};
    }
    const lookup_key seek_key(user_key, seq);
    const std::string_view target = seek_key.internal_key();

    block_iterator<internal_comparator> index_iter(*index_);
    index_iter.seek(target);
    if (!index_iter.valid()) return wrap(index_iter.get_status(), "index", index_offset_);
    block_handle h;
    if (!decode_exact_handle(index_iter.value(), h)) return bad_index_entry(index_iter);
    if (mapping_ != nullptr) {
      // One block, in place even when the cache is not to be filled
      // (viewing fills nothing), on the stack: no allocation and no
      // reference count touched (this reader keeps the mapping alive).
      std::string_view contents;
      if (status s = view_data_block(h, settings, contents); !s.ok()) return s;
      const block b(contents, nullptr);
      if (!b.get_status().ok()) return wrap(b.get_status(), "data", h.offset);
      return search_block(b, h, user_key, target, out);
    }
    auto blk = read_data_block(h, settings);
    if (!blk.ok()) return blk.take_status();
    return search_block(**blk, h, user_key, target, out);
  }

  /// An iterator over every entry (internal keys, in order). Errors end the
  /// iteration and are reported by get_status().
  std::unique_ptr<internal_iterator> new_iterator(const read_settings& settings) const {
    return std::make_unique<table_iterator>(*this, settings);
  }
  /// As above; the iterator also holds `pin` (e.g. the shared_ptr owning
  /// this reader) for as long as it lives.
  std::unique_ptr<internal_iterator> new_iterator(const read_settings& settings,
                                                  std::shared_ptr<const void> pin) const {
    auto it = std::make_unique<table_iterator>(*this, settings);
    it->pin_ = std::move(pin);
    return it;
  }

  const table_properties& properties() const noexcept { return props_; }
  /// Every range tombstone of the table, in internal-key order of its start.
  const std::vector<range_tombstone>& range_tombstones() const noexcept { return tombstones_; }
  /// The file offset where entries >= internal_key start (approximately);
  /// the end of the data blocks for keys past the last one.
  std::uint64_t approximate_offset_of(std::string_view internal_key) const {
    block_iterator<internal_comparator> index_iter(*index_);
    index_iter.seek(internal_key);
    block_handle h;
    if (index_iter.valid() && decode_exact_handle(index_iter.value(), h)) return h.offset;
    return data_end_;
  }

  /// False when the table has no usable filter (none, another policy, or a
  /// filter block that failed its checksum).
  bool has_filter() const noexcept { return has_filter_; }
  /// Why the filter block this reader would use could not be read (its
  /// checksum, say); ok when it was read or there is none to use. Lookups
  /// then do without it; verification reports it.
  const status& filter_status() const noexcept { return filter_status_; }
  const std::string& file_name() const noexcept { return file_name_; }
  std::uint64_t file_size() const noexcept { return file_size_; }

  /// The data block at h, from the cache or the file.
  result<std::shared_ptr<const block>> read_data_block(const block_handle& h,
                                                       const read_settings& settings) const {
    if (reads_in_place(settings)) {
      std::string_view contents;
      if (status s = view_data_block(h, settings, contents); !s.ok()) return s;
      auto b = std::make_shared<const block>(contents, mapping_);
      if (!b->get_status().ok()) return wrap(b->get_status(), "data", h.offset);
      return std::shared_ptr<const block>(std::move(b));
    }
    if (cache_ != nullptr) {
      if (auto cached = cache_->lookup(cache_id_, h.offset)) return cached;
    }
    std::unique_ptr<char[]> bytes;
    if (status s =
            read_block_bytes(*file_, file_name_, block_limit_, h, settings.verify_checksums, bytes);
        !s.ok())
      return s;
    auto b = std::make_shared<const block>(std::move(bytes), static_cast<std::size_t>(h.size));
    if (!b->get_status().ok()) return wrap(b->get_status(), "data", h.offset);
    // Only verified blocks enter the cache: other readers may want them checked.
    if (cache_ != nullptr && settings.fill_cache && settings.verify_checksums)
      cache_->insert(cache_id_, h.offset, b, b->size());
    return std::shared_ptr<const block>(std::move(b));
  }

 private:
  /// A foreground read of a mapped file views its block in place: no copy,
  /// no allocation for the contents, no cache entry (LevelDB does the same).
  /// Scans that do not fill the cache (a compaction's) read chunks instead
  /// (table_iterator::load_from_chunk), so that they do not map whole files
  /// into the process.
  bool reads_in_place(const read_settings& settings) const noexcept {
    return mapping_ != nullptr && settings.fill_cache;
  }
  /// The contents of the data block at h in the mapping, its trailer checked.
  /// REQUIRES: reads_in_place(settings).
  status view_data_block(const block_handle& h, const read_settings& settings,
                         std::string_view& contents) const {
    return view_block(*mapping_, file_name_, block_limit_, h, settings.verify_checksums, contents);
  }

  /// The lookup's last step: the first entry >= target in data block b (at h).
  status search_block(const block& b, const block_handle& h, std::string_view user_key,
                      std::string_view target, lookup& out) const {
    // Keys are rebuilt in a per-thread buffer: no allocation once it has grown.
    thread_local std::string key_scratch;
    block_iterator<internal_comparator> it(b, key_scratch);
    it.seek(target);
    if (!it.valid()) return wrap(it.get_status(), "data", h.offset);
    if (Comparator::compare(extract_user_key(it.key()), user_key) == 0) {
      out.found = true;
      out.internal_key.assign(it.key().data(), it.key().size());
      out.value.assign(it.value().data(), it.value().size());
    }
    return {};
  }

  table_reader(std::unique_ptr<random_access_file> file, std::uint64_t file_size,
               std::string file_name, block_cache* cache)
      : file_(std::move(file)),
        mapping_(file_->mapped()),
        file_name_(std::move(file_name)),
        file_size_(file_size),
        cache_(cache) {}

  /// Prefixes a block's error with the file name, the block's kind and offset.
  status wrap(const status& s, const char* what, std::uint64_t offset) const {
    if (s.ok()) return s;
    return status(s.code(), file_name_ + ": " + what + " block at offset " +
                                std::to_string(offset) + ": " + s.message());
  }

  status bad_index_entry(const block_iterator<internal_comparator>&) const {
    return status::corruption(file_name_ + ": index block at offset " +
                              std::to_string(index_offset_) +
                              ": entry value is not a block handle");
  }

  status read_meta_block(const block_handle& h, const char* what,
                         std::unique_ptr<block>& out) const {
    std::string contents;
    if (status s = read_block(*file_, file_name_, block_limit_, h, true, contents); !s.ok())
      return s;
    out = std::make_unique<block>(std::move(contents));
    return wrap(out->get_status(), what, h.offset);
  }

  status load(const table_options& options) {
    if (file_size_ < footer_size)
      return status::corruption(file_name_ + ": file of " + std::to_string(file_size_) +
                                " bytes at offset 0: expected at least the " +
                                std::to_string(footer_size) + "-byte footer");
    block_limit_ = file_size_ - footer_size;
    std::string buf(footer_size, '\0');
    std::string_view got;
    if (status s = file_->read(block_limit_, footer_size, buf.data(), got); !s.ok()) return s;
    footer f;
    if (status s = f.decode_from(got, file_size_, file_name_); !s.ok()) return s;

    // Metaindex: names -> handles.
    std::unique_ptr<block> meta;
    if (status s = read_meta_block(f.metaindex, "metaindex", meta); !s.ok()) return s;
    std::optional<block_handle> filter_h, properties_h, range_del_h;
    {
      block_iterator<bytewise_comparator> it(*meta);
      for (it.seek_to_first(); it.valid(); it.next()) {
        block_handle h;
        if (!decode_exact_handle(it.value(), h) || !h.fits_before(block_limit_))
          return status::corruption(
              file_name_ + ": metaindex block at offset " + std::to_string(f.metaindex.offset) +
              ": entry \"" + std::string(it.key()) + "\": expected a block handle inside the file");
        if (it.key() == "filter") filter_h = h;
        if (it.key() == "properties") properties_h = h;
        if (it.key() == "range_del") range_del_h = h;
      }
      if (!it.get_status().ok()) return wrap(it.get_status(), "metaindex", f.metaindex.offset);
      for (auto [h, name] :
           {std::pair{&properties_h, "properties"}, std::pair{&range_del_h, "range_del"}})
        if (!h->has_value())
          return status::corruption(file_name_ + ": metaindex block at offset " +
                                    std::to_string(f.metaindex.offset) + ": expected a \"" + name +
                                    "\" entry, not found");
    }
    data_end_ = std::min({f.metaindex.offset, properties_h->offset, range_del_h->offset,
                          filter_h ? filter_h->offset : f.metaindex.offset});

    // Index: every entry must be a handle inside the file.
    if (status s = read_meta_block(f.index, "index", index_); !s.ok()) return s;
    index_offset_ = f.index.offset;
    {
      block_iterator<internal_comparator> it(*index_);
      for (it.seek_to_first(); it.valid(); it.next()) {
        block_handle h;
        if (!decode_exact_handle(it.value(), h)) return bad_index_entry(it);
        if (!h.fits_before(block_limit_))
          return status::corruption(file_name_ + ": index block at offset " +
                                    std::to_string(index_offset_) + ": data block handle (offset " +
                                    std::to_string(h.offset) + ", size " + std::to_string(h.size) +
                                    ") extends past the block region ending at " +
                                    std::to_string(block_limit_));
      }
      if (!it.get_status().ok()) return wrap(it.get_status(), "index", index_offset_);
    }

    // Properties, and the names they record.
    std::unique_ptr<block> props_block;
    if (status s = read_meta_block(*properties_h, "properties", props_block); !s.ok()) return s;
    if (status s = decode_properties(
            *props_block,
            file_name_ + ": properties block at offset " + std::to_string(properties_h->offset),
            props_);
        !s.ok())
      return s;
    if (options.check_comparator && props_.comparator_name != Comparator::name)
      return status::invalid_argument(file_name_ + ": written with comparator \"" +
                                      props_.comparator_name + "\", opened with \"" +
                                      std::string(Comparator::name) + "\"");
    if (!options.codec_name.empty() && props_.codec_name != options.codec_name)
      return status::invalid_argument(file_name_ + ": written with codec \"" + props_.codec_name +
                                      "\", opened with \"" + options.codec_name + "\"");

    // Range tombstones.
    std::unique_ptr<block> range_del;
    if (status s = read_meta_block(*range_del_h, "range_del", range_del); !s.ok()) return s;
    {
      block_iterator<internal_comparator> it(*range_del);
      for (it.seek_to_first(); it.valid(); it.next()) {
        parsed_internal_key k;
        if (!parse_internal_key(it.key(), k) || k.kind != value_kind::range_deletion)
          return status::corruption(file_name_ + ": range_del block at offset " +
                                    std::to_string(range_del_h->offset) +
                                    ": expected a range_deletion internal key, found " +
                                    std::to_string(it.key().size()) + " other bytes");
        tombstones_.push_back(
            range_tombstone{std::string(k.user_key), std::string(it.value()), k.sequence});
      }
      if (!it.get_status().ok()) return wrap(it.get_status(), "range_del", range_del_h->offset);
      if (tombstones_.size() != props_.num_range_deletions)
        return status::corruption(
            file_name_ + ": range_del block at offset " + std::to_string(range_del_h->offset) +
            ": expected " + std::to_string(props_.num_range_deletions) +
            " tombstones (properties), found " + std::to_string(tombstones_.size()));
    }

    // Filter: usable only when written by this policy and intact, and when
    // keys the comparator finds equal hash alike; otherwise ignored (a
    // lookup then reads the index: slower, never wrong).
    if (comparator_filterable<Comparator> && filter_h && props_.filter_name == Filter::name) {
      std::string contents;
      filter_status_ = read_block(*file_, file_name_, block_limit_, *filter_h, true, contents);
      if (filter_status_.ok()) {
        filter_ = std::move(contents);
        has_filter_ = true;
      }
    }
    if (cache_ != nullptr) cache_id_ = cache_->new_id();
    return {};
  }

  /// Index block -> data blocks, in both directions.
  class table_iterator final : public internal_iterator {
   public:
    table_iterator(const table_reader& t, const read_settings& s)
        : table_(t), settings_(s), index_iter_(*t.index_) {}

    std::shared_ptr<const void> pin_;  // keeps the reader alive when set

    bool valid() const override { return data_iter_ && data_iter_->valid(); }
    status get_status() const override {
      if (!status_.ok()) return status_;
      return table_.wrap(index_iter_.get_status(), "index", table_.index_offset_);
    }
    std::string_view key() const override { return data_iter_->key(); }
    std::string_view value() const override { return data_iter_->value(); }

    void seek(std::string_view target) override {
      if (!status_.ok()) return;
      index_iter_.seek(target);
      load_data_block();
      if (data_iter_) data_iter_->seek(target);
      skip_empty_forward();
    }
    void seek_to_first() override {
      if (!status_.ok()) return;
      index_iter_.seek_to_first();
      load_data_block();
      if (data_iter_) data_iter_->seek_to_first();
      skip_empty_forward();
    }
    void seek_to_last() override {
      if (!status_.ok()) return;
      index_iter_.seek_to_last();
      load_data_block();
      if (data_iter_) data_iter_->seek_to_last();
      skip_empty_backward();
    }
    void next() override {
      data_iter_->next();
      skip_empty_forward();
    }
    void prev() override {
      data_iter_->prev();
      skip_empty_backward();
    }

   private:
    /// Points data_iter_ at the block of the current index entry (unpositioned).
    void load_data_block() {
      if (!index_iter_.valid()) {
        data_iter_.reset();
        return;
      }
      block_handle h;
      if (!decode_exact_handle(index_iter_.value(), h)) {
        fail(table_.bad_index_entry(index_iter_));
        return;
      }
      if (data_iter_ && h.offset == data_offset_) return;
      if (!settings_.fill_cache) {
        load_from_chunk(h);
        return;
      }
      auto blk = table_.read_data_block(h, settings_);
      if (!blk.ok()) {
        fail(blk.take_status());
        return;
      }
      data_iter_.emplace(std::move(*blk));
      data_offset_ = h.offset;
    }

    /// A scan that does not fill the cache (a compaction's) reads the file
    /// in chunks and views its blocks there: one read per chunk, not one
    /// read, allocation and copy per block. A mapped file is read through a
    /// descriptor of the scan's own, so that the scan maps none of it.
    static constexpr std::uint64_t chunk_bytes = 256 << 10;
    void load_from_chunk(const block_handle& h) {
      const std::uint64_t n = h.size + block_trailer_size;
      if (!h.fits_before(table_.block_limit_)) {
        fail(block_past_limit(table_.file_name_, h, table_.block_limit_));
        return;
      }
      if (h.offset < chunk_offset_ || h.offset + n > chunk_offset_ + chunk_size_) {
        data_iter_.reset();  // its block may view the chunk about to be refilled
        if (status s = fill_chunk(h.offset, n); !s.ok()) {
          fail(std::move(s));
          return;
        }
      }
      std::string_view contents;
      if (status s = view_block(std::string_view(chunk_.get(), chunk_size_), table_.file_name_,
                                table_.block_limit_, h, settings_.verify_checksums, contents,
                                chunk_offset_);
          !s.ok()) {
        fail(std::move(s));
        return;
      }
      auto b = std::make_shared<const block>(contents, chunk_);
      if (!b->get_status().ok()) {
        fail(table_.wrap(b->get_status(), "data", h.offset));
        return;
      }
      data_iter_.emplace(std::move(b));
      data_offset_ = h.offset;
    }
    /// Reads the chunk holding the n bytes at offset: from there on (up to
    /// the end of the data blocks), or ending there when the scan goes back.
    status fill_chunk(std::uint64_t offset, std::uint64_t n) {
      if (!own_file_opened_) {
        own_file_opened_ = true;
        auto f = table_.file_->open_unmapped();
        if (!f.ok()) return f.take_status();
        own_file_ = std::move(*f);
      }
      const random_access_file& file = own_file_ ? *own_file_ : *table_.file_;
      std::uint64_t start = offset;
      std::uint64_t end = std::max(offset + n, std::min(offset + chunk_bytes, table_.data_end_));
      if (chunk_size_ != 0 && offset < chunk_offset_) {  // backwards
        end = offset + n;
        start = end > chunk_bytes ? std::min(offset, end - chunk_bytes) : 0;
      }
      const auto size = static_cast<std::size_t>(end - start);
      if (chunk_ == nullptr || chunk_capacity_ < size || chunk_.use_count() > 1) {
        chunk_capacity_ = std::max<std::size_t>(size, chunk_bytes);
        chunk_.reset(new char[chunk_capacity_], std::default_delete<char[]>());
      }
      chunk_size_ = 0;
      std::string_view got;
      if (status s = file.read(start, size, chunk_.get(), got); !s.ok()) return s;
      if (got.size() < offset + n - start)
        return short_block_read(table_.file_name_, offset, n,
                                got.size() > offset - start ? got.size() - (offset - start) : 0);
      if (got.data() != chunk_.get()) std::memcpy(chunk_.get(), got.data(), got.size());
      chunk_offset_ = start;
      chunk_size_ = got.size();
      return {};
    }

    bool data_error() {
      if (data_iter_ && !data_iter_->get_status().ok()) {
        fail(table_.wrap(data_iter_->get_status(), "data", data_offset_));
        return true;
      }
      return false;
    }

    void skip_empty_forward() {
      while (status_.ok() && (!data_iter_ || !data_iter_->valid())) {
        if (data_error() || !index_iter_.valid()) {
          data_iter_.reset();
          return;
        }
        index_iter_.next();
        load_data_block();
        if (data_iter_) data_iter_->seek_to_first();
      }
    }
    void skip_empty_backward() {
      while (status_.ok() && (!data_iter_ || !data_iter_->valid())) {
        if (data_error() || !index_iter_.valid()) {
          data_iter_.reset();
          return;
        }
        index_iter_.prev();
        load_data_block();
        if (data_iter_) data_iter_->seek_to_last();
      }
    }

    void fail(status s) {
      status_ = std::move(s);
      data_iter_.reset();
    }

    const table_reader& table_;
    read_settings settings_;
    block_iterator<internal_comparator> index_iter_;
    std::optional<block_iterator<internal_comparator>> data_iter_;
    std::uint64_t data_offset_ = 0;
    std::unique_ptr<random_access_file> own_file_;  // a scan's handle (null: the reader's)
    bool own_file_opened_ = false;
    std::shared_ptr<char[]> chunk_;  // a scan's file bytes [chunk_offset_, + chunk_size_)
    std::size_t chunk_capacity_ = 0;
    std::uint64_t chunk_offset_ = 0;
    std::size_t chunk_size_ = 0;
    status status_;
  };

  std::unique_ptr<random_access_file> file_;
  std::shared_ptr<const std::string_view> mapping_;  // file_->mapped()
  std::string file_name_;
  std::uint64_t file_size_ = 0;
  std::uint64_t block_limit_ = 0;  // start of the footer: every block ends before it
  std::uint64_t data_end_ = 0;     // end of the data blocks
  std::uint64_t index_offset_ = 0;
  block_cache* cache_ = nullptr;
  std::uint64_t cache_id_ = 0;
  std::unique_ptr<block> index_;
  std::string filter_;
  bool has_filter_ = false;
  status filter_status_;
  table_properties props_;
  std::vector<range_tombstone> tombstones_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
