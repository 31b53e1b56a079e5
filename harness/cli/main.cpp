// faultline: the command line. Registration and dispatch only: each
// subcommand lives in its own file of harness/cli/ and registers itself
// (subcommand.h); the work is in the harness library. Exit codes
// (harness/exit_codes.h): 0 valid, 1 invalid, 2 unknown, 254 bad arguments
// or plan, 255 harness error; 128 + signal after a signal.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/child_registry.h"
#include "harness/cli/subcommand.h"
#include "harness/exit_codes.h"

namespace faultline {
namespace {

int main_impl(int argc, char** argv) {
  CLI::App app{"faultline: fault-injection harness and checker for a Dynamo-style store"};
  app.require_subcommand(1);
  struct Added {
    CLI::App* app;
    Subcommand subcommand;
    SubcommandRun run;
  };
  std::vector<Added> added;
  for (const Subcommand& s : registered_subcommands()) {
    CLI::App* sub = app.add_subcommand(s.name, s.description);
    added.push_back(Added{sub, s, s.setup(sub)});
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadArguments;
  }
  Invocation invocation{argv[0], ""};
  for (int i = 0; i < argc; ++i) invocation.command_line += (i ? " " : "") + std::string(argv[i]);
  for (const Added& a : added) {
    if (!*a.app) continue;
    if (a.subcommand.needs == Needs::kChildProcesses) ChildRegistry::install_exit_handlers();
    return a.run(invocation);
  }
  return kExitBadArguments;  // require_subcommand(1) makes this unreachable
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) {
  try {
    return faultline::main_impl(argc, argv);
  } catch (const std::exception& e) {
    // Nodes must not outlive us, whatever went wrong.
    faultline::ChildRegistry::kill_all();
    std::cerr << "faultline: internal error: " << e.what() << "\n";
    return faultline::kExitHarnessError;
  }
}
