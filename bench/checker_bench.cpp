// checker_bench: checker throughput against parse-only throughput on
// generated histories of 10^5, 10^6 and 10^7 operations (history lines), by
// both paths (JSONL: check_run_dir; in memory: check_evidence), and
// the peak memory of each, in the same run.
//
// Each measurement runs in its own child process (fork), so its peak RSS
// (wait4's ru_maxrss) and its CPU time are its own and not the generator's
// or an earlier size's. Rates are given per wall second and per CPU second
// (user + system): on a shared machine the CPU figures are the steadier
// ones, since a loaded machine stretches wall time but not CPU time as much. The generated run directory is valid by construction: 16 clients,
// 1000 keys, 50% reads / 40% writes / 10% deletes, each read returning the
// newest acknowledged state of its key; three nodes with identical final
// dumps and empty node event logs. Not part of ctest.
//
// Usage: checker_bench [--budget-mb=N] [SIZE ...]
//   SIZE default: 100000 1000000 10000000; N: CheckOptions::memory_budget_bytes
//   in MiB (default: CheckOptions' default, 256).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checker/check_evidence.h"
#include "checker/checker.h"
#include "checker/final_state.h"
#include "core/history.h"
#include "core/node_dump.h"
#include "core/plan.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

constexpr int kClients = 16;
constexpr int kKeys = 1000;
constexpr uint64_t kSeed = 42;

struct KeyState {
  bool present = false, tombstone = false;
  std::string value;
  Version version;
};

// A client's operation between its invoke and its completion.
struct Pending {
  int kind = -1;  // 0 read, 1 write, 2 delete; -1 idle
  int key = 0;
  std::string value;
};

uint64_t xorshift(uint64_t* rng) {
  *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
  return *rng;
}

// Line i: client c invokes a new operation, drawn into *p.
void write_invoke(FILE* f, int64_t i, int64_t time, int c, Pending* p, uint64_t* seq, uint64_t* rng) {
  uint64_t r = xorshift(rng) % 10;
  p->kind = r < 5 ? 0 : r < 9 ? 1 : 2;
  p->key = static_cast<int>(xorshift(rng) % kKeys);
  const char* fname = p->kind == 0 ? "read" : p->kind == 1 ? "write" : "delete";
  if (p->kind == 1) {
    p->value = std::to_string(c) + "-" + std::to_string((*seq)++);
    std::fprintf(f, R"({"index":%)" PRId64 R"(,"time":%)" PRId64
                    R"(,"process":%d,"type":"invoke","f":"write","key":"k%d","value":"%s","cl":"QUORUM","node":"n1"})"
                    "\n",
                 i, time, c, p->key, p->value.c_str());
  } else {
    std::fprintf(f, R"({"index":%)" PRId64 R"(,"time":%)" PRId64
                    R"(,"process":%d,"type":"invoke","f":"%s","key":"k%d","cl":"QUORUM","node":"n1"})"
                    "\n",
                 i, time, c, fname, p->key);
  }
}

// Line i: client c's pending operation p completes ok against key state *k.
void write_completion(FILE* f, int64_t i, int64_t time, int c, const Pending& p, KeyState* k, int64_t* ts) {
  if (p.kind == 0) {
    if (!k->present) {
      std::fprintf(f, R"({"index":%)" PRId64 R"(,"time":%)" PRId64 R"(,"process":%d,"type":"ok","f":"read","key":"k%d"})" "\n",
                   i, time, c, p.key);
    } else if (k->tombstone) {
      std::fprintf(f, R"({"index":%)" PRId64 R"(,"time":%)" PRId64
                      R"(,"process":%d,"type":"ok","f":"read","key":"k%d","version":[%)" PRId64 R"(,1],"tombstone":true})" "\n",
                   i, time, c, p.key, k->version.timestamp_us);
    } else {
      std::fprintf(f, R"({"index":%)" PRId64 R"(,"time":%)" PRId64
                      R"(,"process":%d,"type":"ok","f":"read","key":"k%d","value":"%s","version":[%)" PRId64 R"(,1]})" "\n",
                   i, time, c, p.key, k->value.c_str(), k->version.timestamp_us);
    }
    return;
  }
  *k = KeyState{true, p.kind == 2, p.kind == 1 ? p.value : "", Version{++*ts, 1}};
  std::fprintf(f, R"({"index":%)" PRId64 R"(,"time":%)" PRId64 R"(,"process":%d,"type":"ok","f":"%s","key":"k%d"%s%s%s,"version":[%)" PRId64 R"(,1]})" "\n",
               i, time, c, p.kind == 1 ? "write" : "delete", p.key, p.kind == 1 ? R"(,"value":")" : "",
               p.kind == 1 ? p.value.c_str() : "", p.kind == 1 ? "\"" : "", *ts);
}

// Every node's final dump holds `keys`; no hints were stored, so each
// node's event log is empty (hint-replay needs one).
void write_final(const fs::path& dir, const std::vector<KeyState>& keys) {
  NodeDump d;
  for (int i = 0; i < kKeys; ++i) {
    const KeyState& k = keys[static_cast<size_t>(i)];
    if (!k.present) continue;
    Record r;
    r.key = "k" + std::to_string(i);
    r.value = k.value;
    r.version = k.version;
    r.tombstone = k.tombstone;
    d.records.push_back(r);
  }
  for (const char* n : {"n1", "n2", "n3"}) {
    d.node = n;
    std::ofstream(dir / "final" / (std::string(n) + ".json")) << node_dump_to_json(d) << "\n";
    fs::create_directories(dir / "nodes" / n);
    std::ofstream(dir / "nodes" / n / "events.jsonl");
  }
}

// Writes plan.json, history.jsonl (ops lines after the header) and final/.
void generate(const fs::path& dir, int64_t ops) {
  fs::create_directories(dir / "final");
  Plan plan;
  plan.seed = kSeed;
  plan.cluster = {3, 3, 8};
  plan.modes.read_repair = ReadRepair::kBlocking;
  write_plan_file((dir / "plan.json").string(), plan);
  FILE* f = std::fopen((dir / "history.jsonl").c_str(), "w");
  std::fprintf(f, "%s\n", history_header_to_json_line(HistoryHeader{kHistoryFormatVersion, kSeed}).c_str());
  std::vector<KeyState> keys(kKeys);
  std::vector<Pending> clients(kClients);
  uint64_t rng = kSeed, seq = 0;
  int64_t ts = 1700000000000000;
  for (int64_t i = 0; i < ops; ++i) {
    int c = static_cast<int>(xorshift(&rng) % kClients);
    Pending& p = clients[static_cast<size_t>(c)];
    const int64_t time = 1000 * (i + 1);
    if (p.kind < 0) {
      write_invoke(f, i, time, c, &p, &seq, &rng);
      continue;
    }
    write_completion(f, i, time, c, p, &keys[static_cast<size_t>(p.key)], &ts);
    p.kind = -1;
  }
  // The heal and quiesce markers the harness writes: the checker judges the
  // final state only once the history shows it was quiesced.
  for (const char* phase : {R"({"phase":"heal","ok":true})", R"({"phase":"quiesce","ok":true})"}) {
    std::fprintf(f, R"({"index":%)" PRId64 R"(,"time":%)" PRId64 R"(,"process":"nemesis","type":"info","f":"phase","value":%s})" "\n",
                 ops, 1000 * (ops + 1), phase);
    ++ops;
  }
  std::fclose(f);
  write_final(dir, keys);
}

int parse_only(const fs::path& dir) {
  std::unique_ptr<HistoryReader> reader;
  if (!HistoryReader::open((dir / "history.jsonl").string(), &reader)) return 3;
  HistoryOp op;
  HistoryReader::Result r;
  while ((r = reader->next(&op)) == HistoryReader::Result::kOp) {
  }
  return r == HistoryReader::Result::kEnd ? 0 : 3;
}

CheckOptions g_check_options;  // set by main before any child forks

int check_only(const fs::path& dir) {
  Verdict v = check_run_dir(dir.string(), g_check_options);
  if (v.value != VerdictValue::kValid) {
    std::fprintf(stderr, "unexpected verdict %s: %s\n", std::string(to_string(v.value)).c_str(), v.error.c_str());
    for (const PropertyResult& p : v.properties) {
      if (p.outcome == PropertyOutcome::kHeld) continue;
      std::fprintf(stderr, "  %s: %s, %" PRId64 " violations; %s %s\n", p.id.c_str(), std::string(to_string(p.outcome)).c_str(),
                   p.violations, p.witnesses.empty() ? "" : p.witnesses[0].summary.c_str(), p.note.c_str());
    }
  }
  return verdict_exit_code(v);
}

double cpu_seconds_now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The in-memory path (checker/check_evidence.h): the history is read into
// memory first (untimed, as the simulator hands it over), then checked;
// returns the wall and CPU seconds of the check alone through `*seconds`.
int memory_check(const fs::path& dir, double seconds[2]) {
  Plan plan;
  if (!read_plan_file((dir / "plan.json").string(), &plan)) return 3;
  std::unique_ptr<HistoryReader> reader;
  if (!HistoryReader::open((dir / "history.jsonl").string(), &reader)) return 3;
  std::vector<HistoryOp> ops;
  HistoryOp op;
  while (reader->next(&op) == HistoryReader::Result::kOp) ops.push_back(op);
  FinalState final_state;
  if (!FinalState::load(dir.string(), plan, &final_state)) return 3;
  auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds_now();
  Verdict v = check_evidence(Evidence{&plan, &ops, &final_state, "", dir.string()}, g_check_options);
  seconds[1] = cpu_seconds_now() - cpu_start;
  seconds[0] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return verdict_exit_code(v);
}

struct Measurement {
  double seconds = 0;
  double cpu_seconds = 0;  // user + system
  double peak_mb = 0;
  int exit_code = 0;
};

double cpu_seconds(const rusage& ru) {
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Runs f(dir) in a child process: wall and CPU time, and the child's own peak RSS.
Measurement in_child(int (*f)(const fs::path&), const fs::path& dir) {
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) _exit(f(dir));
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  Measurement m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.cpu_seconds = cpu_seconds(ru);
  m.peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return m;
}

// memory_check in a child: the seconds come back through a pipe.
Measurement memory_in_child(const fs::path& dir) {
  int fds[2];
  if (pipe(fds) != 0) return Measurement{0, 0, 3};
  pid_t pid = fork();
  if (pid == 0) {
    double seconds[2] = {0, 0};
    int rc = memory_check(dir, seconds);
    if (write(fds[1], seconds, sizeof seconds) != sizeof seconds) rc = 3;
    _exit(rc);
  }
  close(fds[1]);
  Measurement m;
  double seconds[2] = {0, 0};
  if (read(fds[0], seconds, sizeof seconds) != sizeof seconds) m.exit_code = 3;
  m.seconds = seconds[0];
  m.cpu_seconds = seconds[1];
  close(fds[0]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  m.peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  if (m.exit_code == 0) m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return m;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) {
  using namespace faultline;
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    char* end = nullptr;
    if (arg.rfind("--budget-mb=", 0) == 0) {
      long long mb = std::strtoll(arg.c_str() + 12, &end, 10);
      if (*end != '\0' || mb <= 0) {
        std::fprintf(stderr, "checker_bench: --budget-mb wants a positive integer, got '%s'\n", arg.c_str() + 12);
        return 2;
      }
      g_check_options.memory_budget_bytes = static_cast<size_t>(mb) << 20;
      continue;
    }
    long long n = std::strtoll(arg.c_str(), &end, 10);
    if (*end != '\0' || n <= 0) {
      std::fprintf(stderr, "checker_bench: SIZE must be a positive integer, got '%s'\n", arg.c_str());
      return 2;
    }
    sizes.push_back(n);
  }
  if (sizes.empty()) sizes = {100000, 1000000, 10000000};
  fs::path root = fs::temp_directory_path() / ("faultline-checker-bench-" + std::to_string(getpid()));
  std::printf("memory budget: %zu MiB\n", g_check_options.memory_budget_bytes >> 20);
  std::printf("%10s %9s %9s %9s %12s %12s %12s %12s %12s %12s %7s %7s %9s %9s %9s %8s\n", "ops", "parse_s", "check_s",
              "mem_s", "parse_ops/s", "check_ops/s", "mem_ops/s", "parse_cpu/s", "check_cpu/s", "mem_cpu/s", "ratio",
              "mratio", "parse_MB", "check_MB", "mem_MB", "hist_MB");
  int rc = 0;
  for (int64_t n : sizes) {
    fs::path dir = root / std::to_string(n);
    generate(dir, n);
    double hist_mb = static_cast<double>(fs::file_size(dir / "history.jsonl")) / (1024.0 * 1024.0);
    Measurement parse = in_child(&parse_only, dir);
    Measurement check = in_child(&check_only, dir);
    Measurement mem = memory_in_child(dir);
    if (parse.exit_code != 0 || check.exit_code != 0 || mem.exit_code != 0) rc = 1;
    const double ops = static_cast<double>(n);
    std::printf("%10" PRId64 " %9.2f %9.2f %9.2f %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f %7.2f %7.2f %9.1f %9.1f %9.1f %8.1f%s\n",
                n, parse.seconds, check.seconds, mem.seconds, ops / parse.seconds, ops / check.seconds, ops / mem.seconds,
                ops / parse.cpu_seconds, ops / check.cpu_seconds, ops / mem.cpu_seconds, check.seconds / parse.seconds, mem.seconds / parse.seconds, parse.peak_mb, check.peak_mb, mem.peak_mb,
                hist_mb, check.exit_code == 0 && mem.exit_code == 0 ? "" : "  (a check did not say valid)");
    std::fflush(stdout);
    fs::remove_all(dir);
  }
  fs::remove_all(root);
  std::printf("check = the JSONL path (check_run_dir); mem = the in-memory path (check_evidence, the history already "
              "in memory, its reading untimed); *_ops/s per wall second, *_cpu/s operations per CPU second (user + system) of "
              "that child (mem: of the check alone); ratio, mratio = check, mem wall time / parse-only wall time on the "
              "same file; MB = peak RSS of that child\n");
  return rc;
}
