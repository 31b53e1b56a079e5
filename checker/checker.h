// The checker: run directory -> verdict. Reads only plan.json, history.jsonl
// and final/*.json (../shared/DESIGN.md); never links node or harness.
//
// Each property lives in its own file (checker/<property>.cpp) as a small pure
// function over the streamed history and the final state. expectations.cpp
// decides, from the plan alone, whether the configured modes guarantee each
// property, and says why.
//
// Verdict (three-valued, as Jepsen's): invalid when a guaranteed property is
// violated; unknown when any input is missing or malformed or the checker
// itself failed; valid otherwise. A violation of a property the modes do not
// guarantee is an allowed anomaly: reported, never invalid.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace faultline {

// One history operation named in a witness.
struct WitnessOp {
  int64_t index = -1;
  int64_t time_ns = 0;
  int64_t process = 0;  // kNemesisProcess for the nemesis
  std::string type;     // invoke | ok | fail | info
  std::string f;
  std::string key;
  std::string value;    // empty when none
  bool has_version = false;
  Version version;
  bool tombstone = false;  // a tombstone read, or a tombstone in the final state
  // The coordinator of a client operation, or the node holding a record for
  // witnesses drawn from the final state.
  std::string node;
};

// The smallest set of operations that shows one violation, with a sentence.
struct Witness {
  std::string explanation;  // full sentences
  std::string summary;      // one line for the table: "read #41 (p3, k7) saw ..."
  std::vector<WitnessOp> ops;
};

enum class PropertyOutcome { kHeld, kViolated, kUnknown, kSkipped };
std::string_view to_string(PropertyOutcome o);

struct PropertyResult {
  std::string id;               // "monotonic-reads"
  bool guaranteed = false;      // from the plan, by expectations.cpp
  std::string expected_reason;  // "guaranteed: QUORUM reads, blocking read repair, ..." / "not guaranteed: async read repair"
  PropertyOutcome outcome = PropertyOutcome::kUnknown;
  int64_t violations = 0;       // total count
  std::vector<Witness> witnesses;  // the first few (kMaxWitnesses), in full
  std::string note;             // why unknown or skipped, or other detail
};

enum class VerdictValue { kValid, kInvalid, kUnknown };
std::string_view to_string(VerdictValue v);

struct Verdict {
  VerdictValue value = VerdictValue::kUnknown;
  std::vector<PropertyResult> properties;
  std::string error;  // set when value is unknown because input or checker failed
  int64_t operations = 0;  // client operations completed (ok + fail + info)
  // Temporary files the check wrote because its tables outgrew
  // CheckOptions::memory_budget_bytes (all removed before it returned).
  int64_t spill_files = 0;
};

struct CheckOptions {
  std::vector<std::string> properties;  // empty: all
  // What the tables that grow with the history (one entry per written value
  // or per read of one) may hold in memory; beyond it they spill to sorted
  // temporary files (checker/spill.h). Per-key state, the final state and
  // pending operations are not counted: they are bounded by the plan's keys,
  // nodes and clients, not by the history's length.
  size_t memory_budget_bytes = 256u << 20;
  // Where the temporary directory goes; empty: $TMPDIR (or /tmp).
  std::string spill_parent;
};

inline constexpr size_t kMaxWitnesses = 5;

// Never throws: a crash inside a property is caught and yields unknown.
Verdict check_run_dir(const std::string& run_dir, const CheckOptions& opts);
// verdict.json's text (docs: checker/verdict_output.cpp), pretty-printed.
std::string verdict_to_json(const Verdict& v);
// Writes <run_dir>/verdict.json.
Status write_verdict(const std::string& run_dir, const Verdict& v);
// The human table of `faultline check`: property, expected, result,
// violations, first witness.
void print_verdict(std::ostream& out, const Verdict& v);
// DESIGN.md exit codes: 0 valid, 1 invalid, 2 unknown.
int verdict_exit_code(const Verdict& v);

}  // namespace faultline
