// `faultline report RUN_DIR`: writes the run directory's report.html again
// from its files alone (harness/report.h), prints its path, and what was
// missing to stderr. Exit 0 written, 254 not a directory, 255 cannot write.
#include <filesystem>
#include <iostream>
#include <memory>

#include "harness/cli/subcommand.h"
#include "harness/exit_codes.h"
#include "harness/report.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

int report_command(const std::string& run_dir, const ReportOptions& options, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    err << "faultline report: " << run_dir << " is not a run directory\n";
    return kExitBadArguments;
  }
  ReportResult r = write_report(run_dir, options);
  for (const auto& m : r.missing) err << "faultline report: warning: " << m << "\n";
  if (!r.written) {
    err << "faultline report: " << r.error << "\n";
    return kExitHarnessError;
  }
  out << "report: " << r.path << "\n";
  return 0;
}

SubcommandRun setup(CLI::App* app) {
  auto run_dir = std::make_shared<std::string>();
  app->add_option("RUN_DIR", *run_dir, "the run directory")->required();
  return [run_dir](const Invocation& inv) { return report_command(*run_dir, ReportOptions{inv.self}, std::cout, std::cerr); };
}

const bool registered = register_subcommand(
    {"report", "write a run directory's report.html again, from its files alone", 80, Needs::kNothing, setup});

}  // namespace
}  // namespace faultline
