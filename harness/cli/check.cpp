// `faultline check RUN_DIR`: the checker alone over a run directory; writes
// verdict.json and staleness.json and prints the verdict table.
#include <filesystem>
#include <iostream>
#include <memory>

#include "checker/checker.h"
#include "checker/staleness.h"
#include "harness/cli/subcommand.h"
#include "harness/exit_codes.h"

namespace faultline {
namespace {

struct CheckFlags {
  std::string run_dir;
  std::vector<std::string> properties;
};

int check(const CheckFlags& f) {
  std::error_code ec;
  if (!std::filesystem::is_directory(f.run_dir, ec)) {
    std::cerr << "faultline check: " << f.run_dir << " is not a run directory\n";
    return kExitBadArguments;
  }
  Verdict verdict = check_run_dir(f.run_dir, CheckOptions{f.properties});
  Status s = write_verdict(f.run_dir, verdict);
  if (!s) std::cerr << "faultline check: warning: " << s.message() << "\n";
  s = write_staleness_file(f.run_dir);
  if (!s) std::cerr << "faultline check: warning: staleness.json not written: " << s.message() << "\n";
  print_verdict(std::cout, verdict);
  return verdict_exit_code(verdict);
}

SubcommandRun setup(CLI::App* app) {
  auto f = std::make_shared<CheckFlags>();
  app->add_option("RUN_DIR", f->run_dir, "the run directory")->required();
  app->add_option("--property", f->properties, "check only this property (repeatable)");
  return [f](const Invocation&) { return check(*f); };
}

const bool registered = register_subcommand(
    {"check", "check a run directory and write its verdict.json", 20, Needs::kNothing, setup});

}  // namespace
}  // namespace faultline
