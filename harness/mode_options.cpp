#include "harness/mode_options.h"

#include <charconv>

#include "core/plan_limits.h"
#include "core/merkle_hash.h"

namespace faultline {

namespace {

Status parse_on_off(const std::string& value, bool* out) {
  if (value == "on" || value == "off") {
    *out = value == "on";
    return Status::ok();
  }
  return Status::invalid("expected on or off, got '" + value + "'");
}

// A whole decimal number in [min, max].
Status parse_int(const std::string& value, int64_t min, int64_t max, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size()) return Status::invalid("expected a number, got '" + value + "'");
  if (v < min || v > max) {
    return Status::invalid("must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + value);
  }
  *out = v;
  return Status::ok();
}

Status apply(const std::string& flag, const std::string& value, ModeSpec* m) {
  int64_t n = 0;
  Status s;
  if (flag == "--read-repair") return parse_read_repair(value, &m->read_repair);
  if (flag == "--digest-reads") return parse_on_off(value, &m->digest_reads);
  if (flag == "--hinted-handoff") return parse_on_off(value, &m->hinted_handoff);
  if (flag == "--quorum") return parse_quorum_mode(value, &m->quorum);
  if (flag == "--anti-entropy") return parse_on_off(value, &m->anti_entropy);
  if (flag == "--merkle-depth") {
    if ((s = parse_int(value, kMerkleDepthMin, kMerkleDepthMax, &n))) m->merkle_depth = static_cast<int>(n);
    return s;
  }
  if (flag == "--anti-entropy-interval-ms") {
    if ((s = parse_int(value, kAntiEntropyIntervalMsMin, kAntiEntropyIntervalMsMax, &n))) m->anti_entropy_interval_ms = n;
    return s;
  }
  int64_t* ms = flag == "--gc-grace-ms" ? &m->gc_grace_ms : flag == "--hint-window-ms" ? &m->hint_window_ms : nullptr;
  if (!ms) return Status::invalid("not a mode option");
  if ((s = parse_int(value, 0, kModeWindowMsMax, &n))) *ms = n;
  return s;
}

}  // namespace

const std::vector<ModeOption>& mode_options() {
  static const std::vector<ModeOption> kOptions = {
      {"--read-repair", "read repair: none, async or blocking (default blocking)"},
      {"--digest-reads", "digest reads: on or off (default off)"},
      {"--hinted-handoff", "hinted handoff: on or off (default on)"},
      {"--quorum", "quorum: strict or sloppy (default strict)"},
      // The default scenario (no --plan, no --seed) turns anti-entropy on;
      // a plan file or a drawn plan brings its own value.
      {"--anti-entropy", "Merkle-tree anti-entropy: on or off (default on; --plan and --seed take the plan's)"},
      {"--anti-entropy-interval-ms", "milliseconds between anti-entropy rounds, 10..3600000 (default 2000)"},
      {"--merkle-depth", "Maximum Merkle tree depth, 1..20: each range's tree has about one leaf per key, at most 2^depth leaves (default 20)"},
      {"--gc-grace-ms", "tombstone and hint lifetime in milliseconds, up to a week (default 600000)"},
      {"--hint-window-ms", "no hints for a node down longer than this, in milliseconds, up to a week (default 60000)"},
  };
  return kOptions;
}

Status apply_mode_option(const std::string& flag, const std::string& value, ModeSpec* modes) {
  Status s = apply(flag, value, modes);
  if (!s) return Status::invalid(flag + ": " + s.message());
  return s;
}

}  // namespace faultline
