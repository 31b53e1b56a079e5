#include "harness/cli/subcommand.h"

#include <algorithm>

namespace faultline {

namespace {

// A function-local static: the subcommands' own static initializers may run
// before any other global of this file is constructed.
std::vector<Subcommand>& table() {
  static std::vector<Subcommand> subcommands;
  return subcommands;
}

}  // namespace

bool register_subcommand(const Subcommand& s) {
  table().push_back(s);
  return true;
}

std::vector<Subcommand> registered_subcommands() {
  std::vector<Subcommand> sorted = table();
  std::sort(sorted.begin(), sorted.end(), [](const Subcommand& a, const Subcommand& b) { return a.order < b.order; });
  return sorted;
}

}  // namespace faultline
