// faultline-node: one replica of a faultline cluster.
//   faultline-node --config PATH [--bug NAME]...
// Exit codes: 0 after SIGTERM/SIGINT, 254 bad arguments or config, 1 when the
// node cannot start (port in use, storage cannot be opened).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "core/bugs.h"
#include "core/node_config.h"
#include "node/node_runtime.h"

namespace {
constexpr int kExitBadArguments = 254;
constexpr int kExitCannotStart = 1;
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"faultline-node: one replica of a faultline cluster (RESP2 clients, MessagePack peers)"};
  std::string config_path;
  std::vector<std::string> bugs;
  app.add_option("--config", config_path, "node config JSON (nodes/<id>/config.json)")->required();
  app.add_option("--bug", bugs, "re-introduce a seeded bug (repeatable; names in core/bugs.h, DESIGN.md catalogue)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadArguments;
  }

  faultline::NodeConfig config;
  faultline::Status s = faultline::read_node_config_file(config_path, &config);
  if (!s) {
    std::fprintf(stderr, "faultline-node: bad config: %s\n", s.message().c_str());
    return kExitBadArguments;
  }
  config.bugs.insert(config.bugs.end(), bugs.begin(), bugs.end());
  faultline::BugSet bugs_set;
  if (!(s = faultline::BugSet::parse(config.bugs, &bugs_set))) {
    std::fprintf(stderr, "faultline-node: --bug: %s\n", s.message().c_str());
    return kExitBadArguments;
  }

  try {
    faultline::NodeRuntime runtime(config);
    if (!(s = runtime.open())) {
      std::fprintf(stderr, "faultline-node %s: cannot start: %s\n", faultline::node_name(config.id).c_str(),
                   s.message().c_str());
      return kExitCannotStart;
    }
    runtime.run();
  } catch (const std::exception& e) {
    // The edge of the program: nothing below should throw, but if Asio does,
    // say so instead of terminating silently.
    std::fprintf(stderr, "faultline-node %s: fatal: %s\n", faultline::node_name(config.id).c_str(), e.what());
    return kExitCannotStart;
  }
  return 0;
}
