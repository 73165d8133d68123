// Crash-state sweep: a seeded workload runs on the fault-injecting file
// system, frozen after its k-th mutation, for every k; after a simulated crash
// the tree must open and hold every write the crash mode promises.
//
// What a crash must keep (docs/durability.md):
//   - power loss (drop_unsynced, drop_random_unsynced): every write
//     acknowledged with sync = true, unless a later write changed the key;
//   - process crash (keep_unsynced): every acknowledged write;
//   - always: no key holds a value never written to it, a batch is all or
//     nothing, and the tree opens.
// A key may show the state after any operation from the last one that must
// survive to the in-doubt one (the operation that failed at the freeze).
//
// The one-fault sweep runs the same workloads with only the k-th mutation
// failing (EIO or ENOSPC, once): a flush or compaction that meets it runs
// again, a write whose WAL append meets it fails alone, and the workload goes
// on past every refused operation (each one in doubt: it may or may not have
// happened) to its end. Then the same crash and the same checks.
//
// LSM_CRASH_STATES scales the number of crash states (default 20000, 3000
// under sanitizers), LSM_FAULT_STATES the one-fault runs (default 4000, 1000);
// LSM_TEST_SEED replays a run.
#include <catch2/catch.hpp>
#include <lsm/lsm.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "support/crash_util.hpp"

// One namespace per test file: the test sources are compiled in unity batches.
namespace lsm_test_crash_state_sweep_test {

namespace {

using db_type = lsm::tree<std::string, std::string>;
using lsm_test::crash::env_u64;

constexpr int group_size = 4;  // every batch writes all the group keys g0..g3

std::string regular_key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%03d", i);
  return buf;
}
std::string group_key(int i) { return "g" + std::to_string(i); }

enum class op_kind : std::uint8_t { put, erase, erase_range, batch, reopen };

struct update {
  std::string key;
  std::optional<std::string> value;  // nullopt: erase
};

struct op {
  op_kind kind = op_kind::put;
  bool sync = false;
  std::string key, last;      // put/erase: key; erase_range: [key, last)
  std::string value;          // put
  std::vector<update> items;  // batch
};

struct shape {
  const char* name;
  int ops;
  int keys;
  int reopen_every;  // 0: never
  std::size_t max_value;
  bool settle;  // wait for background work after each operation (deterministic)
};

// The shapes cycle: small values and many reopens (manifest roll-over), larger
// values (flushes and compactions), and one that lets the background threads
// race the writers.
constexpr shape shapes[] = {
    {"reopens", 220, 48, 30, 60, true},
    {"compactions", 300, 96, 0, 200, true},
    {"mixed", 260, 64, 90, 120, true},
    {"racing", 260, 64, 120, 160, false},
};

struct workload {
  std::vector<op> ops;
  std::vector<std::string> universe;  // every key the workload may touch
  shape s;
};

std::string make_value(std::mt19937_64& rng, int index, const std::string& key,
                       std::size_t max_value) {
  std::string v = "v" + std::to_string(index) + "/" + key + "/";
  const std::size_t pad = 8 + rng() % max_value;
  v.append(pad, static_cast<char>('a' + index % 26));
  return v;
}

workload make_workload(std::uint64_t seed, const shape& s) {
  std::mt19937_64 rng(seed);
  workload w;
  w.s = s;
  for (int i = 0; i < group_size; ++i) w.universe.push_back(group_key(i));
  for (int i = 0; i < s.keys; ++i) w.universe.push_back(regular_key(i));
  auto any_key = [&] {
    return regular_key(static_cast<int>(rng() % static_cast<unsigned>(s.keys)));
  };
  for (int i = 0; i < s.ops; ++i) {
    op o;
    const int index = static_cast<int>(w.ops.size());
    if (s.reopen_every > 0 && i > 0 && i % s.reopen_every == 0) {
      o.kind = op_kind::reopen;
      w.ops.push_back(o);
      continue;
    }
    o.sync = rng() % 6 == 0;
    const unsigned pick = static_cast<unsigned>(rng() % 100);
    if (pick < 50) {
      o.kind = op_kind::put;
      o.key = any_key();
      o.value = make_value(rng, index, o.key, s.max_value);
    } else if (pick < 68) {
      o.kind = op_kind::erase;
      o.key = any_key();
    } else if (pick < 74) {
      o.kind = op_kind::erase_range;
      const int first = static_cast<int>(rng() % static_cast<unsigned>(s.keys));
      const int len = 1 + static_cast<int>(rng() % 12);
      o.key = regular_key(first);
      o.last = regular_key(std::min(s.keys, first + len));
      if (o.key == o.last) o.last = "l";  // past every regular key
    } else {
      o.kind = op_kind::batch;
      for (int g = 0; g < group_size; ++g)
        o.items.push_back({group_key(g), "b" + std::to_string(index) + "/" + group_key(g)});
      const int extra = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < extra; ++e) {
        update u{any_key(), std::nullopt};
        if (rng() % 3 != 0) u.value = make_value(rng, index, u.key, s.max_value);
        o.items.push_back(std::move(u));
      }
    }
    w.ops.push_back(std::move(o));
  }
  return w;
}

/// Per key, the states it takes: (index of the operation, value after it).
struct model {
  // history[key] = list of (op index, value) in op order; the key starts absent.
  std::vector<std::vector<std::pair<int, std::optional<std::string>>>> history;
  // touches[key] = indices of the operations that write the key.
  std::vector<std::vector<int>> touches;

  explicit model(const workload& w) : history(w.universe.size()), touches(w.universe.size()) {
    auto index_of = [&](const std::string& k) {
      return static_cast<std::size_t>(
          std::lower_bound(w.universe.begin() + group_size, w.universe.end(), k) -
          w.universe.begin());
    };
    auto set = [&](std::size_t key, int i, std::optional<std::string> v) {
      history[key].emplace_back(i, std::move(v));
      if (touches[key].empty() || touches[key].back() != i) touches[key].push_back(i);
    };
    for (int i = 0; i < static_cast<int>(w.ops.size()); ++i) {
      const op& o = w.ops[static_cast<std::size_t>(i)];
      switch (o.kind) {
        case op_kind::put:
          set(index_of(o.key), i, o.value);
          break;
        case op_kind::erase:
          set(index_of(o.key), i, std::nullopt);
          break;
        case op_kind::erase_range:
          for (std::size_t k = group_size; k < w.universe.size(); ++k)
            if (w.universe[k] >= o.key && w.universe[k] < o.last) set(k, i, std::nullopt);
          break;
        case op_kind::batch:
          for (const update& u : o.items) {
            const std::size_t k = u.key[0] == 'g'
                                      ? static_cast<std::size_t>(std::stoi(u.key.substr(1)))
                                      : index_of(u.key);
            set(k, i, u.value);
          }
          break;
        case op_kind::reopen:
          break;
      }
    }
  }

  /// True when `v` is the key's state after some operation j with
  /// lo <= j <= hi (j = -1: before the first operation).
  bool explains(std::size_t key, const std::optional<std::string>& v, int lo, int hi) const {
    std::optional<std::string> state;  // as of lo
    bool any = false;
    for (const auto& [i, value] : history[key]) {
      if (i <= lo) {
        state = value;
        continue;
      }
      if (!any) {
        any = true;
        if (state == v) return true;
      }
      if (i > hi) return false;
      if (value == v) return true;
    }
    return !any ? state == v : false;
  }

  /// The last operation below `end` writing the key among those `must` selects, or -1.
  template <class Pred>
  int last_touch(std::size_t key, int end, Pred must) const {
    for (auto it = touches[key].rbegin(); it != touches[key].rend(); ++it)
      if (*it < end && must(*it)) return *it;
    return -1;
  }
};

lsm::options tree_options(std::shared_ptr<lsm::file_system> fs) {
  lsm::options o;
  o.file_system = std::move(fs);
  o.write_buffer_size = 8192;  // an empty memtable takes about 4 KiB
  o.target_file_size = 8192;
  o.block_size = 256;
  o.block_restart_interval = 4;
  o.block_cache_capacity = 64 << 10;
  return o;
}

struct run_outcome {
  int end = 0;                          // operations [0, end) ran
  std::vector<bool> failed;             // operations that returned an error (in doubt)
  int in_doubt = -1;                    // the first of them, or -1
  bool opened = false;                  // the first open succeeded
  std::string unexpected;               // an error before the freeze or the fault
  std::uint64_t background_errors = 0;  // failed flushes and compactions of the last tree
};

const std::string tree_dir = "/db";

/// Runs w until its end or its first refused operation (with go_on: past
/// refused operations, until a reopen or a settling wait fails); db is the
/// tree open at the end, if any.
run_outcome run_ops(const workload& w, lsm::fault_injection_file_system& fs,
                    const std::shared_ptr<lsm::file_system>& fs_ptr, std::unique_ptr<db_type>& db,
                    bool go_on) {
  run_outcome out;
  out.failed.assign(w.ops.size(), false);
  std::error_code ec;
  db = std::make_unique<db_type>(tree_dir, tree_options(fs_ptr), ec);
  auto fail = [&](int i) {
    if (!fs.frozen() && fs.injected_fault_count() == 0)
      out.unexpected = "op " + std::to_string(i) + ": " + ec.message();
  };

  if (ec) {
    fail(-1);
    return out;
  }
  out.opened = true;
  for (int i = 0; i < static_cast<int>(w.ops.size()); ++i) {
    const op& o = w.ops[static_cast<std::size_t>(i)];
    const lsm::write_options wo{.sync = o.sync};
    switch (o.kind) {
      case op_kind::put:
        db->put(o.key, o.value, wo, ec);
        break;
      case op_kind::erase:
        db->erase(o.key, wo, ec);
        break;
      case op_kind::erase_range:
        db->erase_range(o.key, o.last, wo, ec);
        break;
      case op_kind::batch: {
        db_type::batch b;
        for (const update& u : o.items) {
          if (u.value)
            b.put(u.key, *u.value);
          else
            b.erase(u.key);
        }
        db->write(b, wo, ec);
        break;
      }
      case op_kind::reopen:
        db.reset();
        db = std::make_unique<db_type>(tree_dir, tree_options(fs_ptr), ec);
        break;
    }
    if (ec) {
      fail(i);
      if (o.kind == op_kind::reopen) return out;  // no tree to go on with
      out.failed[static_cast<std::size_t>(i)] = true;
      if (out.in_doubt < 0) out.in_doubt = i;
      out.end = i + 1;
      if (!go_on) return out;
      ec.clear();
      continue;
    }
    out.end = i + 1;
    if (w.s.settle) {
      // A flush or compaction that failed: it runs again after a pause,
      // which the run does not wait through.
      db->wait_for_background_work(ec);
      if (ec) {
        fail(i);
        return out;
      }
    }
  }
  return out;
}

run_outcome run(const workload& w, lsm::fault_injection_file_system& fs,
                const std::shared_ptr<lsm::file_system>& fs_ptr, bool go_on = false) {
  std::unique_ptr<db_type> db;
  run_outcome out = run_ops(w, fs, fs_ptr, db, go_on);
  if (db) out.background_errors = db->stats().background_errors;
  return out;
}

struct sweep_counts {
  std::uint64_t states = 0, workloads = 0, per_mode[3] = {0, 0, 0};
  std::uint64_t failed_opens = 0, lost_synced = 0, lost_acked = 0, unexplained = 0,
                torn_batches = 0, scan_mismatches = 0, unexpected_errors = 0;
  std::uint64_t went_on = 0;            // one-fault runs that finished their workload
  std::uint64_t resumed = 0;            // ... of which an operation had failed
  std::uint64_t background_errors = 0;  // flushes and compactions that failed in them
  std::uint64_t failures() const {
    return failed_opens + lost_synced + lost_acked + unexplained + torn_batches + scan_mismatches +
           unexpected_errors;
  }
};

/// How a run meets mutation k: the file system freezes after it (a crash
/// point), or it alone fails (one I/O error, after which the tree goes on).
enum class cut : std::uint8_t { freeze, one_fault };

/// Cuts one run at mutation k, crashes, and checks the reopened tree;
/// returns a description of the first problem, or "".
std::string crash_and_check(const workload& w, const model& m, std::uint64_t k,
                            lsm::crash_mode mode, std::uint64_t seed, sweep_counts& c, cut how) {
  auto fs_ptr =
      std::make_shared<lsm::fault_injection_file_system>(seed ^ (k * 0x9e3779b97f4a7c15u));
  lsm::fault_injection_file_system& fs = *fs_ptr;
  if (how == cut::freeze)
    fs.crash_after_mutations(k);
  else
    fs.fail_after(lsm::fs_operation::any_mutation, k, k % 3 == 0 ? ENOSPC : EIO);
  const run_outcome r = run(w, fs, fs_ptr, how == cut::one_fault);
  if (how == cut::one_fault) {
    c.background_errors += r.background_errors;
    const bool finished = r.end == static_cast<int>(w.ops.size()) && !r.failed.back();
    if (finished) ++c.went_on;
    if (finished && r.in_doubt >= 0) ++c.resumed;
    fs.clear_faults();  // a fault the run did not reach must not fail the reopen
  }
  std::string problem;
  if (!r.unexpected.empty()) {
    ++c.unexpected_errors;
    problem = "error before the crash point: " + r.unexpected;
  }
  fs.simulate_crash(mode);
  std::error_code ec;
  db_type db(tree_dir, tree_options(fs_ptr), ec);
  if (ec) {
    ++c.failed_opens;
    try {  // again, for the error's whole message
      db_type again(tree_dir, tree_options(fs_ptr));
    } catch (const lsm::error& e) {
      return std::string("reopen failed: ") + e.what();
    }
    return "reopen failed: " + ec.message();
  }
  const int end = r.end;  // operations below end ran; those that did not fail were acknowledged
  const int hi = end - 1;
  const auto acked = [&](int i) { return !r.failed[static_cast<std::size_t>(i)]; };
  std::vector<std::optional<std::string>> seen(w.universe.size());
  for (std::size_t key = 0; key < w.universe.size(); ++key) {
    seen[key] = db.get(w.universe[key], ec);
    if (ec) {
      ++c.failed_opens;
      return "get " + w.universe[key] + ": " + ec.message();
    }
    int lo;
    if (mode == lsm::crash_mode::keep_unsynced)
      lo = m.last_touch(key, end, acked);
    else
      lo = m.last_touch(key, end,
                        [&](int i) { return acked(i) && w.ops[static_cast<std::size_t>(i)].sync; });
    if (!m.explains(key, seen[key], lo, hi)) {
      const bool never = !m.explains(key, seen[key], -1, hi);
      if (never)
        ++c.unexplained;
      else if (mode == lsm::crash_mode::keep_unsynced)
        ++c.lost_acked;
      else
        ++c.lost_synced;
      if (problem.empty())
        problem = "key " + w.universe[key] + " holds '" + seen[key].value_or("<absent>") +
                  "' (must survive: op " + std::to_string(lo) + ", acknowledged below op " +
                  std::to_string(end) + " but failed ones, the first failed: op " +
                  std::to_string(r.in_doubt) + ")" + (never ? ": never written" : "");
    }
  }
  // A batch is all or nothing: the group keys come from one batch.
  for (int g = 1; g < group_size; ++g) {
    const auto tag = [](const std::optional<std::string>& v) {
      return v ? v->substr(0, v->find('/')) : std::string("<absent>");
    };
    if (tag(seen[static_cast<std::size_t>(g)]) != tag(seen[0])) {
      ++c.torn_batches;
      if (problem.empty())
        problem = "torn batch: " + group_key(0) + " from " + tag(seen[0]) + ", " + group_key(g) +
                  " from " + tag(seen[static_cast<std::size_t>(g)]);
      break;
    }
  }
  // Scans agree with the point lookups, both ways.
  std::vector<std::pair<std::string, std::string>> expect;
  for (std::size_t key = 0; key < w.universe.size(); ++key)
    if (seen[key]) expect.emplace_back(w.universe[key], *seen[key]);
  std::sort(expect.begin(), expect.end());
  std::vector<std::pair<std::string, std::string>> forward, backward;
  auto cur = db.cursor();
  for (cur.seek_to_first(); cur.valid(); cur.next()) forward.emplace_back(cur.key(), cur.value());
  const bool forward_ok = !cur.error();
  for (cur.seek_to_last(); cur.valid(); cur.prev()) backward.emplace_back(cur.key(), cur.value());
  std::reverse(backward.begin(), backward.end());
  if (!forward_ok || cur.error() || forward != expect || backward != expect) {
    ++c.scan_mismatches;
    if (problem.empty())
      problem = "scan disagrees with get: " + std::to_string(forward.size()) + " forward, " +
                std::to_string(backward.size()) + " backward, " + std::to_string(expect.size()) +
                " expected";
  }
  return problem;
}

/// Runs seeded workloads cut at every mutation k (or an even stride of them)
/// until `target` runs; counts what the reopened trees hold.
sweep_counts sweep(std::uint64_t seed, std::uint64_t target, cut how, std::string& problems) {
  sweep_counts c;
  std::uint64_t reported = 0;  // the first few problems go into `problems`
  for (std::uint64_t n = 0; c.states < target; ++n) {
    const shape& s = shapes[n % std::size(shapes)];
    const std::uint64_t wseed = seed + n;
    const workload w = make_workload(wseed, s);
    const model m(w);
    // A dry run counts the workload's mutations.
    std::uint64_t total = 0;
    {
      auto fs_ptr = std::make_shared<lsm::fault_injection_file_system>(wseed);
      const run_outcome r = run(w, *fs_ptr, fs_ptr);
      REQUIRE(r.unexpected.empty());
      REQUIRE(r.end == static_cast<int>(w.ops.size()));
      REQUIRE(r.in_doubt < 0);
      total = fs_ptr->mutation_count();
    }
    ++c.workloads;
    // Every k when the budget allows, else an even stride over the workload.
    const std::uint64_t left = target - c.states;
    const std::uint64_t stride = total <= left ? 1 : (total + left - 1) / left;
    for (std::uint64_t k = 1; k <= total && c.states < target; k += stride) {
      lsm::crash_mode mode = lsm::crash_mode::drop_unsynced;
      if (k % 5 == 1) mode = lsm::crash_mode::drop_random_unsynced;
      if (k % 5 == 3) mode = lsm::crash_mode::keep_unsynced;
      const std::string problem = crash_and_check(w, m, k, mode, wseed, c, how);
      ++c.states;
      ++c.per_mode[static_cast<int>(mode)];
      if (!problem.empty() && reported++ < 5)
        problems += "\n  workload seed " + std::to_string(wseed) + " (" + s.name +
                    "), cut at mutation " + std::to_string(k) + " of " + std::to_string(total) +
                    ", mode " + std::to_string(static_cast<int>(mode)) + ": " + problem;
    }
  }
  return c;
}

/// The counts every sweep reports, after its first words.
void print_counts(const char* what, const sweep_counts& c, double seconds) {
  std::printf(
      "FIGURE %s: %llu crash states (%llu drop_unsynced, %llu drop_random_unsynced, %llu "
      "keep_unsynced) over %llu workloads in %.1f s, %llu failed opens, %llu lost synced "
      "writes, %llu lost acknowledged writes after a process crash, %llu never-written "
      "values, %llu torn batches, %llu scan mismatches, %llu unexpected errors\n",
      what, static_cast<unsigned long long>(c.states),
      static_cast<unsigned long long>(c.per_mode[0]),
      static_cast<unsigned long long>(c.per_mode[1]),
      static_cast<unsigned long long>(c.per_mode[2]), static_cast<unsigned long long>(c.workloads),
      seconds, static_cast<unsigned long long>(c.failed_opens),
      static_cast<unsigned long long>(c.lost_synced), static_cast<unsigned long long>(c.lost_acked),
      static_cast<unsigned long long>(c.unexplained),
      static_cast<unsigned long long>(c.torn_batches),
      static_cast<unsigned long long>(c.scan_mismatches),
      static_cast<unsigned long long>(c.unexpected_errors));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("every crash state of seeded workloads reopens with every promised write",
          "[crash][figures]") {
  const std::uint64_t seed = lsm_test::crash::test_seed();
  const std::uint64_t target =
      env_u64("LSM_CRASH_STATES", lsm_test::crash::sanitized ? 3000 : 20000);
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  const auto start = std::chrono::steady_clock::now();
  std::string problems;
  const sweep_counts c = sweep(seed, target, cut::freeze, problems);
  print_counts("crash-state sweep", c, seconds_since(start));
  INFO("first problems:" << problems);
  CHECK(c.states >= target);
  CHECK(c.failures() == 0);
}

TEST_CASE(
    "after one failed write, sync, create, rename or remove in seeded workloads the tree goes "
    "on or refuses, and a crash keeps every promised write",
    "[crash][figures]") {
  const std::uint64_t seed = lsm_test::crash::test_seed();
  const std::uint64_t target =
      env_u64("LSM_FAULT_STATES", lsm_test::crash::sanitized ? 1000 : 4000);
  INFO("seed " << seed << " (replay with LSM_TEST_SEED=" << seed << ")");
  const auto start = std::chrono::steady_clock::now();
  std::string problems;
  const sweep_counts c = sweep(seed, target, cut::one_fault, problems);
  print_counts("one-fault sweep", c, seconds_since(start));
  std::printf(
      "FIGURE one-fault sweep: %llu of %llu runs finished their workload after the fault "
      "(%llu of them after a failed write), %llu flushes and compactions failed and were "
      "retried or refused\n",
      static_cast<unsigned long long>(c.went_on), static_cast<unsigned long long>(c.states),
      static_cast<unsigned long long>(c.resumed),
      static_cast<unsigned long long>(c.background_errors));
  INFO("first problems:" << problems);
  CHECK(c.states >= target);
  CHECK(c.failures() == 0);
  CHECK(c.went_on > 0);
  CHECK(c.resumed > 0);
  CHECK(c.background_errors > 0);
}

}  // namespace lsm_test_crash_state_sweep_test
