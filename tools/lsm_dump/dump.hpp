// tools/lsm_dump/dump.hpp — prints what a tree's files hold, for people
// (LevelDB's `leveldbutil dump`, RocksDB's `sst_dump` and `ldb manifest_dump`):
// a tree directory as its levels (replayed from the MANIFEST that CURRENT
// names) and its WALs; a table as its properties, entries and range
// tombstones; a WAL as its batches; a MANIFEST as its edits.
//
// Keys and values are the encoded bytes the codec wrote: printable ASCII as
// is, anything else (and ' and \) as \xNN, values cut at
// settings::max_value_bytes; a file's key range as 'key' @sequence:kind (1 a
// put, 2 a range erase's end), as in the MANIFEST's edits. Any comparator's
// table can be dumped: the entries are read in file order, never compared.
// Files are only read.
//
// Thread safety: none needed (plain functions over a file system).
#pragma once

#include <lsm/lsm.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace lsm_dump {

struct settings {
  std::size_t max_value_bytes = 32;  ///< longer values are cut (0: never)
};

using lsm::detail::internal_key_string;
using lsm::detail::printable;

/// printable(s), cut after `max` bytes (0: never) with the whole size after.
inline std::string printable_cut(std::string_view s, std::size_t max) {
  if (max == 0 || s.size() <= max) return printable(s);
  return printable(s.substr(0, max)) + "... (" + std::to_string(s.size()) + " bytes)";
}

/// Every batch of a WAL: its sequence number, then each update.
inline lsm::status dump_wal(lsm::file_system& fs, const std::string& path, std::ostream& out,
                            const settings& how = {}) {
  auto file = fs.new_sequential_file(path);
  if (!file.ok()) return file.take_status();
  lsm::detail::wal::reader reader(**file, path);
  out << "wal " << path << "\n";
  std::string_view record;
  std::string scratch;
  std::uint64_t records = 0, updates = 0;
  lsm::detail::write_batch batch;
  while (reader.read_record(record, scratch)) {
    if (lsm::status s = batch.set_contents(record); !s.ok())
      return lsm::status::corruption(path + ": record at offset " +
                                     std::to_string(reader.last_record_offset()) + ": " +
                                     s.message());
    out << "  batch at offset " << reader.last_record_offset() << ": seq " << batch.sequence()
        << ", " << batch.count() << (batch.count() == 1 ? " update\n" : " updates\n");
    lsm::sequence_number seq = batch.sequence();
    lsm::status s =
        batch.for_each([&](lsm::value_kind kind, std::string_view key, std::string_view value) {
          out << "    @" << seq++ << " ";
          if (kind == lsm::value_kind::value)
            out << "put " << printable(key) << " " << printable_cut(value, how.max_value_bytes)
                << "\n";
          else if (kind == lsm::value_kind::deletion)
            out << "erase " << printable(key) << "\n";
          else
            out << "erase_range [" << printable(key) << ", " << printable(value) << ")\n";
        });
    if (!s.ok()) return s;
    ++records;
    updates += batch.count();
  }
  if (!reader.get_status().ok()) return reader.get_status();
  out << "  " << records << " batches, " << updates << " updates"
      << (reader.torn_tail() ? " (a torn tail after the last one, as a crash leaves)" : "") << "\n";
  return {};
}

/// Calls fn(edit) for every edit of a MANIFEST, in order.
template <class Fn>
lsm::status for_each_edit(lsm::file_system& fs, const std::string& path, Fn&& fn) {
  auto file = fs.new_sequential_file(path);
  if (!file.ok()) return file.take_status();
  lsm::detail::wal::reader reader(**file, path);
  std::string_view record;
  std::string scratch;
  while (reader.read_record(record, scratch)) {
    lsm::detail::version_edit edit;
    if (lsm::status s = edit.decode_from(record); !s.ok())
      return lsm::status::corruption(path + ": record at offset " +
                                     std::to_string(reader.last_record_offset()) + ": " +
                                     s.message());
    fn(reader.last_record_offset(), edit);
  }
  return reader.get_status();
}

/// Every edit of a MANIFEST.
inline lsm::status dump_manifest(lsm::file_system& fs, const std::string& path, std::ostream& out) {
  out << "manifest " << path << "\n";
  std::uint64_t edits = 0;
  lsm::status s = for_each_edit(fs, path, [&](std::uint64_t offset, const auto& edit) {
    std::string text = edit.debug_string();  // "version_edit {\n  field\n...}"
    for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 3))
      text.replace(at, 1, "\n  ");
    out << "  edit at offset " << offset << ": " << text << "\n";
    ++edits;
  });
  if (!s.ok()) return s;
  out << "  " << edits << " edits\n";
  return {};
}

/// A table's properties, every entry in file order, its range tombstones.
inline lsm::status dump_table(lsm::file_system& fs, const std::string& path, std::ostream& out,
                              const settings& how = {}) {
  auto size = fs.file_size(path);
  if (!size.ok()) return size.take_status();
  auto file = fs.new_random_access_file(path);
  if (!file.ok()) return file.take_status();
  using reader_type = lsm::detail::table_reader<lsm::bytewise_comparator, lsm::filter::none>;
  lsm::detail::table_options options;
  options.check_comparator = false;  // read in file order only
  auto table = reader_type::open(options, std::move(*file), *size, path, nullptr);
  if (!table.ok()) return table.take_status();
  const auto& p = (*table)->properties();
  out << "table " << path << ": " << *size << " bytes, " << p.num_data_blocks << " data blocks\n"
      << "  comparator " << printable(p.comparator_name) << ", codec " << printable(p.codec_name)
      << ", filter " << printable(p.filter_name) << "\n"
      << "  " << p.num_entries << " entries (" << p.num_deletions << " erases), "
      << p.num_range_deletions << " range erases, seq " << p.smallest_seq << ".." << p.largest_seq
      << "\n";
  auto it = (*table)->new_iterator(lsm::detail::read_settings{});
  std::uint64_t entries = 0;
  for (it->seek_to_first(); it->valid(); it->next()) {
    lsm::detail::parsed_internal_key k;
    if (!lsm::detail::parse_internal_key(it->key(), k))
      return lsm::status::corruption(path + ": entry " + std::to_string(entries) +
                                     ": malformed internal key");
    out << "  " << printable(k.user_key) << " @" << k.sequence;
    if (k.kind == lsm::value_kind::value)
      out << " put " << printable_cut(it->value(), how.max_value_bytes) << "\n";
    else
      out << " erase\n";
    ++entries;
  }
  if (!it->get_status().ok()) return it->get_status();
  for (const auto& t : (*table)->range_tombstones())
    out << "  erase_range [" << printable(t.first) << ", " << printable(t.last) << ") @" << t.seq
        << "\n";
  return {};
}

/// The tree in dir: the MANIFEST CURRENT names, the files of each level
/// after replaying it, and each WAL's batches in brief.
inline lsm::status dump_tree(lsm::file_system& fs, const std::string& dir, std::ostream& out) {
  auto current = lsm::detail::read_current(fs, dir);
  if (!current.ok()) return current.take_status();
  const std::string manifest = dir + "/" + current->name;
  out << "tree " << dir << ": CURRENT names " << current->name << "\n";
  std::map<std::uint64_t, std::pair<int, lsm::detail::file_meta>> files;
  lsm::detail::version_edit names;
  std::uint64_t edits = 0, log_number = 0, last_sequence = 0;
  lsm::status s = for_each_edit(fs, manifest, [&](std::uint64_t, const auto& edit) {
    ++edits;
    if (edit.comparator_name) names.comparator_name = edit.comparator_name;
    if (edit.codec_name) names.codec_name = edit.codec_name;
    if (edit.filter_name) names.filter_name = edit.filter_name;
    if (edit.log_number) log_number = *edit.log_number;
    if (edit.last_sequence) last_sequence = *edit.last_sequence;
    for (const auto& [level, number] : edit.deleted_files) files.erase(number);
    for (const auto& [level, meta] : edit.new_files) files[meta.number] = {level, meta};
  });
  if (!s.ok()) return s;
  out << "  " << edits << " edits; comparator " << printable(names.comparator_name.value_or(""))
      << ", codec " << printable(names.codec_name.value_or("")) << ", filter "
      << printable(names.filter_name.value_or("")) << "\n"
      << "  last sequence " << last_sequence << "; WALs numbered " << log_number
      << " and up hold the writes not yet in tables\n";
  std::map<int, std::vector<const lsm::detail::file_meta*>> levels;  // by number in each
  for (const auto& [number, f] : files) levels[f.first].push_back(&f.second);
  for (const auto& [level, metas] : levels) {
    std::uint64_t bytes = 0;
    for (const auto* m : metas) bytes += m->file_size;
    out << "  level " << level << ": " << metas.size()
        << (metas.size() == 1 ? " file, " : " files, ") << bytes << " bytes\n";
    for (const auto* m : metas)
      out << "    #" << m->number << " " << m->file_size << " bytes, " << m->num_entries
          << " entries [" << internal_key_string(m->smallest) << " .. "
          << internal_key_string(m->largest) << "]\n";
  }
  auto children = fs.get_children(dir);
  if (!children.ok()) return children.take_status();
  for (const auto& name : *children) {
    std::uint64_t number = 0;
    lsm::detail::file_type type{};
    if (!lsm::detail::parse_file_name(name, number, type) || type != lsm::detail::file_type::log)
      continue;
    auto size = fs.file_size(dir + "/" + name);
    out << "  wal " << name << ": " << (size.ok() ? std::to_string(*size) : "?") << " bytes"
        << (number < log_number ? " (already flushed: not replayed)" : "") << "\n";
  }
  return {};
}

/// Dumps path by its name: a directory as a tree, NNNNNN.sst, NNNNNN.log,
/// MANIFEST-NNNNNN.
inline lsm::status dump_path(lsm::file_system& fs, const std::string& path, std::ostream& out,
                             const settings& how = {}) {
  const std::size_t slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::uint64_t number = 0;
  lsm::detail::file_type type{};
  if (lsm::detail::parse_file_name(name, number, type)) {
    switch (type) {
      case lsm::detail::file_type::table:
        return dump_table(fs, path, out, how);
      case lsm::detail::file_type::log:
        return dump_wal(fs, path, out, how);
      case lsm::detail::file_type::manifest:
        return dump_manifest(fs, path, out);
      default:
        break;
    }
  }
  if (!fs.file_exists(path)) return lsm::status::io_error(path + ": no such file or directory");
  if (fs.get_children(path).ok()) return dump_tree(fs, path, out);
  return lsm::status::invalid_argument(
      path + ": expected a tree's directory, an NNNNNN.sst, an NNNNNN.log or a MANIFEST-NNNNNN");
}

}  // namespace lsm_dump
