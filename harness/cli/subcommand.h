// Every file of harness/cli/ other than main.cpp and this registry is one
// subcommand of `faultline`. It registers itself at static initialization:
//
//   const bool registered = register_subcommand({"check", "check a run directory ...",
//                                                kOrderCheck, Needs::kNothing, setup});
//
// where setup adds the subcommand's options to its CLI11 App and returns what
// to run once they are parsed. main() adds every registered subcommand,
// parses, and runs the chosen one. Subcommand files have no headers, so no
// subcommand can include another; what two of them share lives in the
// harness library (harness/*.h).
//
// Thread-safety: registration happens before main; afterwards the table is
// read-only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace faultline {

// How the user invoked faultline.
struct Invocation {
  std::string self;          // argv[0], for the replay commands we print
  std::string command_line;  // every argument, space-separated, as typed
};

// Runs the parsed subcommand; returns the process exit code.
using SubcommandRun = std::function<int(const Invocation&)>;
// Adds the options to `app` (the subcommand's own App); the returned
// function reads them when it runs.
using SubcommandSetup = SubcommandRun (*)(CLI::App* app);

// Subcommands that start processes need the exit handlers that kill every
// child on a signal or a fatal error (harness/child_registry.h).
enum class Needs { kNothing, kChildProcesses };

struct Subcommand {
  const char* name;
  const char* description;
  int order;  // place in --help: the lifecycle first, then the tools around it
  Needs needs;
  SubcommandSetup setup;
};

// Always true (for a namespace-scope `const bool registered = ...`).
bool register_subcommand(const Subcommand& s);
// Sorted by order.
std::vector<Subcommand> registered_subcommands();

}  // namespace faultline
