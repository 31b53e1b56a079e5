// `faultline shrink RUN_DIR`: shrink_plan (harness/shrink.h), then the
// sizes before and after and the replay command. Exit 0 when the smallest
// plan still fails, 1 when even the original did not reproduce, 254 bad
// arguments, 255 harness error.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "harness/cli/subcommand.h"
#include "harness/options.h"
#include "harness/shrink.h"

namespace faultline {
namespace {

int shrink_command(const ShrinkOptions& options, std::ostream& out, std::ostream& err) {
  ShrinkResult r;
  Status s = shrink_plan(options, out, &r);
  if (!s) {
    err << "faultline shrink: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  if (!r.reproduced) {
    out << "the original plan did not fail the preserved way in " << options.tries
        << " tries; nothing to shrink (real processes are not deterministic: try --tries or faultline repro)\n";
    return 1;
  }
  auto line = [&](const char* what, const PlanSize& p, int64_t ops) {
    out << what << describe_size(p) << ", operations " << ops << "\n";
  };
  out << (r.budget_exhausted ? "budget spent" : "no smaller candidate fails") << " after " << r.candidates
      << " candidates, " << r.runs << " runs, " << r.elapsed_ms / 1000 << " s\n";
  line("before: ", r.before, r.operations_before);
  line("after:  ", r.after, r.operations_after);
  out << "smallest failing run: " << r.smallest_run_dir << "\n"
      << "replay: " << options.self << " run --plan " << r.smallest_plan_file << "\n";
  return 0;
}

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<ShrinkOptions>();
  app->add_option("RUN_DIR", o->run_dir, "the failing run directory (plan.json, verdict.json)")->required();
  app->add_option("--budget", o->budget_ms, "stop starting candidates after this long: 90s, 10m, 1h or seconds (default 10m)")
      ->transform(budget_ms());
  app->add_option("--tries", o->tries, "runs per candidate; it fails if any run does (default 2)");
  app->add_option("--property", o->properties, "preserve this property's violation (repeatable; default: every property the verdict shows violated)");
  app->add_option("--out", o->out_dir, "where candidate runs and shrunk-plan.json go (default RUN_DIR/shrink)");
  app->add_option("--node-bin", o->node_bin, "faultline-node binary (default: next to faultline)");
  return [o](const Invocation& inv) {
    ShrinkOptions options = *o;
    options.self = inv.self;
    options.progress_fd = STDOUT_FILENO;
    return shrink_command(options, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"shrink", "find a smaller plan that still fails the way a run failed", 90, Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
