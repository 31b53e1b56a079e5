// fault_shapes and plan_shape (generators/plan_gen.h): what a plan
// exercises, recognised from the plan itself.
#include <algorithm>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/node_config.h"
#include "generators/plan_gen.h"

namespace faultline {

namespace {

bool overlaps(const FaultEvent& a, const FaultEvent& b) {
  return a.start_ms < b.start_ms + b.duration_ms && b.start_ms < a.start_ms + a.duration_ms;
}
bool starts_within(const FaultEvent& inner, const FaultEvent& outer) {
  return inner.start_ms >= outer.start_ms && inner.start_ms < outer.start_ms + outer.duration_ms;
}
bool is_down(const FaultEvent& e) { return e.kind == "kill" || e.kind == "pause" || e.kind == "wipe"; }
bool shares_target(const FaultEvent& a, const FaultEvent& b) {
  for (const auto& t : a.targets) {
    if (std::find(b.targets.begin(), b.targets.end(), t) != b.targets.end()) return true;
  }
  return false;
}
std::string partition_kind(const FaultEvent& e) {
  auto j = nlohmann::json::parse(e.params_json, nullptr, false);
  if (!j.is_object() || !j.contains("partition") || !j["partition"].is_string()) return "one";
  return j["partition"].get<std::string>();
}

// Most faults ever in force together.
int max_in_force(const std::vector<FaultEvent>& faults) {
  int best = 0;
  for (const FaultEvent& f : faults) {  // the maximum is reached at some start
    int n = 0;
    for (const FaultEvent& g : faults) {
      if (g.start_ms <= f.start_ms && f.start_ms < g.start_ms + g.duration_ms) ++n;
    }
    best = std::max(best, n);
  }
  return best;
}

std::string bytes_text(int64_t b) {
  constexpr int64_t kKiB = 1024, kMiB = 1024 * 1024;
  if (b >= kMiB && b % (kMiB / 2) == 0) return b % kMiB == 0 ? std::to_string(b / kMiB) + "MiB" : std::to_string(b / (kMiB / 2)) + "/2MiB";
  if (b >= kKiB && b % kKiB == 0) return std::to_string(b / kKiB) + "KiB";
  return std::to_string(b);
}

std::string ms_text(int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  std::ostringstream o;
  o << static_cast<double>(ms) / 1000 << "s";
  return o.str();
}

}  // namespace

std::vector<std::string> fault_shapes(const Plan& plan) {
  const auto& fs = plan.faults;
  std::set<std::string> found;
  const int64_t fd_ms = NodeConfig{}.peer_down_after_ms;
  bool pause_short = false, pause_long = false;
  for (size_t i = 0; i < fs.size(); ++i) {
    const FaultEvent& a = fs[i];
    if (a.kind == "pause") (a.duration_ms < fd_ms ? pause_short : pause_long) = true;
    for (size_t j = 0; j < fs.size(); ++j) {
      if (i == j) continue;
      const FaultEvent& b = fs[j];
      if (i < j && is_down(a) && is_down(b) && a.kind != "wipe" && b.kind != "wipe" && overlaps(a, b) &&
          !shares_target(a, b)) {
        found.insert("two-down");
      }
      if (b.kind != "partition") continue;
      if (a.kind == "kill" && starts_within(a, b)) {
        found.insert("kill-in-partition");
        if (partition_kind(b) == "one-way" && !b.targets.empty() && a.targets.size() == 1 &&
            a.targets[0] == b.targets[0]) {
          found.insert("partial-write");
        }
      }
      if (a.kind == "wipe" && starts_within(a, b)) found.insert("wipe-in-partition");
      if (a.kind == "clock" && overlaps(a, b)) found.insert("clock-in-partition");
    }
  }
  if (pause_short && pause_long) found.insert("pause-around-fd");
  // Two or more short kills of distinct nodes, each starting within 300 ms
  // of the previous one's heal.
  std::vector<const FaultEvent*> kills;
  for (const FaultEvent& f : fs) {
    if (f.kind == "kill" && f.duration_ms <= 1000) kills.push_back(&f);
  }
  std::sort(kills.begin(), kills.end(), [](auto* a, auto* b) { return a->start_ms < b->start_ms; });
  for (size_t i = 1; i < kills.size(); ++i) {
    const int64_t gap = kills[i]->start_ms - (kills[i - 1]->start_ms + kills[i - 1]->duration_ms);
    if (gap >= 0 && gap <= 300 && !shares_target(*kills[i], *kills[i - 1])) found.insert("restart-storm");
  }
  std::vector<std::string> out;
  for (const char* s : kFaultShapes) {
    if (found.count(s)) out.push_back(s);
  }
  // The disk shapes are drawn apart from kFaultShapes (plan_gen.h); only
  // the one that composes is named here.
  for (const FaultEvent& d : fs) {
    const bool across = d.kind == "disk" && std::any_of(fs.begin(), fs.end(), [&](const FaultEvent& o) {
      const int64_t back_ms = o.start_ms + o.duration_ms;
      return (o.kind == "kill" || o.kind == "pause" || o.kind == "partition") && shares_target(d, o) &&
             d.start_ms <= back_ms && back_ms < d.start_ms + d.duration_ms;
    });
    if (across) {
      out.push_back("disk-across-replay");
      break;
    }
  }
  // disk-on-key-replicas: a disk fault on exactly the quorum-blind nodes of
  // a plan where they can fool its quorums.
  const bool on_key_replicas = std::any_of(fs.begin(), fs.end(), [&](const FaultEvent& d) {
    if (d.kind != "disk" || !disk_can_fool_quorums(plan)) return false;
    std::vector<std::string> targets = d.targets;
    std::sort(targets.begin(), targets.end());
    return targets == quorum_blind_nodes(plan);
  });
  if (on_key_replicas) out.push_back("disk-on-key-replicas");
  // all-replicas-down: a kill or pause of every replica of the heaviest
  // keys, in a plan where their writes can go to fallbacks and show.
  const bool all_down = std::any_of(fs.begin(), fs.end(), [&](const FaultEvent& d) {
    if ((d.kind != "kill" && d.kind != "pause") || !all_replicas_down_can_show(plan)) return false;
    std::vector<std::string> targets = d.targets;
    std::sort(targets.begin(), targets.end());
    return targets == heaviest_key_replicas(plan);
  });
  if (all_down) out.push_back("all-replicas-down");
  const int together = max_in_force(fs);
  if (together >= 2) out.push_back("overlap(" + std::to_string(together) + ")");
  return out;
}

std::string plan_shape(const Plan& p) {
  const ClusterSpec& c = p.cluster;
  const WorkloadSpec& w = p.workload;
  const ModeSpec& m = p.modes;
  auto pct = [](double f) { return std::to_string(static_cast<int>(f * 100 + 0.5)); };
  std::ostringstream o;
  o << "nodes " << c.nodes << " rf " << c.rf << " vnodes " << c.vnodes;
  o << " | keys " << w.keys << " " << to_string(w.key_distribution);
  if (w.read_recent_share > 0) o << " recent" << pct(w.read_recent_share);
  o << " | values ";
  if (w.value_bytes_max == 0) o << "bare";
  else o << bytes_text(w.value_bytes_min) << ".." << bytes_text(w.value_bytes_max);
  o << " | routing " << to_string(w.routing);
  o << " | mix r" << pct(w.read_fraction) << " w" << pct(w.write_fraction) << " d" << pct(w.delete_fraction);
  o << " | cl " << to_string(w.read_cl) << "/" << to_string(w.write_cl);
  o << " | " << static_cast<int64_t>(w.rate) << "/s " << ms_text(w.duration_ms) << " " << w.clients << " clients";
  o << " | faults " << p.faults.size();
  if (!p.faults.empty()) {
    std::vector<std::string> kinds;
    for (const FaultEvent& f : p.faults) {
      if (std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end()) kinds.push_back(f.kind);
    }
    o << ":";
    for (size_t i = 0; i < kinds.size(); ++i) o << (i ? "+" : " ") << kinds[i];
    const auto shapes = fault_shapes(p);
    if (shapes.empty()) o << " sparse";
    for (const std::string& s : shapes) o << " " << s;
  }
  o << " | rr " << to_string(m.read_repair) << (m.digest_reads ? " digest" : "") << " hh "
    << (m.hinted_handoff ? "on" : "off") << " " << to_string(m.quorum);
  o << " | gc_grace " << m.gc_grace_ms << " ae " << (m.anti_entropy ? "on" : "off");
  return o.str();
}

}  // namespace faultline
