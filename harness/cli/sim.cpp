// `faultline sim`: the same plan as `run` (the same options, the same seed
// drawing the same plan), run in the deterministic simulator in virtual
// time (sim/plan_sim.h), written to the same run directory plus trace.txt
// and judged by the same checker with the same exit codes. Replaying a sim
// run gives the same files, byte for byte (docs/generators.md lists the
// fields that hold wall-clock time).
//
// `faultline sim --search RUN_DIR`: from a real run that violated a
// guaranteed property to a seed that violates it in the simulator every
// time. The run's plan.json is simulated with seeds from --seed-base (the
// plan's own seed first), only the seed changing (the workload's draws and
// the simulated network's jitter; the same cluster, modes, faults and
// workload spec), on every core (harness/explore.h with a base plan), until
// a run violates one of the properties the real run's verdict.json names as
// guaranteed and violated, or the budget is spent. Exit 1 when such a seed
// was found (its run directory and replay command are printed), 0 when none
// was within the budget, 254 when the run directory has no plan or did not
// fail, 255 harness error. When it cannot work: docs/generators.md
// "Exploring in the simulator".
#include <unistd.h>

#include <iostream>
#include <memory>

#include "harness/cli/subcommand.h"
#include "harness/explore.h"
#include "harness/options.h"
#include "harness/run.h"

namespace faultline {
namespace {

struct SearchFlags {
  std::string run_dir;  // empty: no search
  ExploreOptions explore;
  CLI::Option* seed_base_opt = nullptr;
};

// The real run's plan and what it violated -> the explorer's base plan and target.
Status search_options(const SearchFlags& f, ExploreOptions* o) {
  Plan plan;
  if (Status s = read_plan_file(f.run_dir + "/plan.json", &plan); !s) return Status::invalid(s.message());
  VerdictSummary v;
  if (Status s = read_verdict_summary(f.run_dir, &v); !s) return s;
  if (v.violated_guaranteed.empty()) {
    return Status::invalid(f.run_dir + "/verdict.json: " + describe(v) +
                           ": no guaranteed property violated, nothing to search for");
  }
  *o = f.explore;
  if (!f.seed_base_opt->count()) o->seed_base = plan.seed;
  o->base_plan = plan;
  o->target = VerdictSummary{v.value, v.violated_guaranteed, v.violated_guaranteed};
  return Status::ok();
}

int search_command(const SearchFlags& f, const std::string& self) {
  ExploreOptions o;
  if (Status s = search_options(f, &o); !s) {
    std::cerr << "faultline sim --search: " << s.message() << "\n";
    return kExitBadArguments;
  }
  o.self = self;
  o.progress_fd = STDOUT_FILENO;
  std::cout << "faultline sim --search: " << f.run_dir << " violated " << describe(*o.target)
            << "; simulating its plan with other seeds" << std::endl;
  ExploreResult r;
  if (Status s = explore(o, std::cout, &r); !s) {
    std::cerr << "faultline sim --search: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  if (!r.found) {
    std::cout << "no seed of " << r.runs << " violated " << describe(*o.target)
              << " in the simulator (docs/generators.md \"Exploring in the simulator\" says when this cannot work)\n";
    return 0;
  }
  std::cout << "seed " << r.seed << " fails the same way in the simulator: " << describe(r.verdict)
            << ", run directory " << r.run_dir << "\n"
            << "replay: " << self << " sim --plan " << r.smallest_plan_file << "\n";
  return 1;
}

void add_search_flags(CLI::App* app, SearchFlags* f) {
  f->explore.budget_ms = kExploreBudgetMsDefault;
  f->explore.shrink_budget_ms = 0;
  f->explore.out_dir = "runs/sim-search";
  app->add_option("--search", f->run_dir,
                  "a real run directory that failed: search simulator seeds of its plan for the same violation");
  f->seed_base_opt = app->add_option("--search-seed-base", f->explore.seed_base,
                                     "with --search: first seed to try (default: the plan's own)");
  app->add_option("--search-seeds", f->explore.seeds_max, "with --search: at most this many seeds (default: until the budget)");
  app->add_option("--search-budget", f->explore.budget_ms, "with --search: time to search (default 60s)")
      ->transform(budget_ms());
  app->add_option("--search-out", f->explore.out_dir, "with --search: where the failing run goes (default runs/sim-search)");
  app->add_option("--jobs", f->explore.jobs, "with --search: simulations at once (default 0: every core)");
}

SubcommandRun setup(CLI::App* app) {
  auto f = std::make_shared<RunFlags>();
  add_run_flags(app, f.get());
  auto search = std::make_shared<SearchFlags>();
  add_search_flags(app, search.get());
  return [f, search](const Invocation& inv) {
    if (!search->run_dir.empty()) return search_command(*search, inv.self);
    return run_from_flags(*f, /*simulate=*/true, inv.self, -1);
  };
}

const bool registered = register_subcommand(
    {"sim", "run a plan in the deterministic simulator (virtual time), record the history and check it; "
            "--search RUN_DIR: find a seed that fails as a real run did",
     11, Needs::kNothing, setup});

}  // namespace
}  // namespace faultline
