// tools/lsm_dump/dump.hpp — prints what a tree's files hold, for people
// (LevelDB's `leveldbutil dump`, RocksDB's `sst_dump` and `ldb manifest_dump`):
// a tree directory as its levels (replayed from the MANIFEST that CURRENT
// names) and its WALs; a table as its properties, entries and range
// tombstones; a WAL as its batches; a MANIFEST as its edits.
//
// Keys and values are the encoded bytes the codec wrote: printable ASCII as
// is, anything else (and ' and \) as \xNN, values cut at
// settings::max_value_bytes. Any comparator's table can be dumped: the
// entries are read in file order, never compared. Files are only read.
//
// Thread safety: none needed (plain functions over a file system).
#pragma once

#include <lsm/lsm.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace lsm_dump {

struct settings {
  std::size_t max_value_bytes = 32;  ///< longer values are cut (0: never)
};

/// 'bytes' with non-printable bytes as \xNN, cut after `max` bytes (0: never).
inline std::string printable(std::string_view s, std::size_t max = 0) {
  std::string r = "'";
  const std::size_t shown = max != 0 && s.size() > max ? max : s.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f && u != '\\' && u != '\'') {
      r += static_cast<char>(u);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(u));
      r += buf;
    }
  }
  r += "'";
  if (shown < s.size()) r += "... (" + std::to_string(s.size()) + " bytes)";
  return r;
}

/// "'user key' @seq" of an internal key.
inline std::string internal_key(std::string_view ikey) {
  lsm::detail::parsed_internal_key p;
  if (!lsm::detail::parse_internal_key(ikey, p)) return "(malformed internal key)";
  return printable(p.user_key) + " @" + std::to_string(p.sequence);
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
            out << "put " << printable(key) << " " << printable(value, how.max_value_bytes) << "\n";
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
      out << " put " << printable(it->value(), how.max_value_bytes) << "\n";
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
  std::string current;
  if (lsm::status s = lsm::read_file_to_string(fs, lsm::detail::current_file_name(dir), current);
      !s.ok())
    return s;
  if (current.empty() || current.back() != '\n')
    return lsm::status::corruption(dir + "/CURRENT: expected a MANIFEST name and a newline");
  current.pop_back();
  out << "tree " << dir << ": CURRENT names " << current << "\n";
  std::map<std::uint64_t, std::pair<int, lsm::detail::file_meta>> files;
  lsm::detail::version_edit names;
  std::uint64_t edits = 0, log_number = 0, last_sequence = 0;
  lsm::status s = for_each_edit(fs, dir + "/" + current, [&](std::uint64_t, const auto& edit) {
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
  for (int level = 0; level < lsm::detail::max_levels; ++level) {
    std::uint64_t count = 0, bytes = 0;
    for (const auto& [number, f] : files)
      if (f.first == level) {
        ++count;
        bytes += f.second.file_size;
      }
    if (count == 0) continue;
    out << "  level " << level << ": " << count << (count == 1 ? " file, " : " files, ") << bytes
        << " bytes\n";
    for (const auto& [number, f] : files)
      if (f.first == level)
        out << "    #" << number << " " << f.second.file_size << " bytes, " << f.second.num_entries
            << " entries [" << internal_key(f.second.smallest) << " .. "
            << internal_key(f.second.largest) << "]\n";
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
