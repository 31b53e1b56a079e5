// The fault table: every kind the schedule knows has a start and a heal
// (or acts on links), and link_state composes the link faults in force:
// a cut link is down whatever else applies, else the largest delay wins.
#include "faults/fault_kinds.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

TEST(FaultKinds, EveryScheduledKindHasAStartAndAHeal) {
  ASSERT_EQ(fault_kinds().size(), std::size(kFaultKinds));
  for (std::string_view name : kFaultKinds) {
    const FaultKind& k = fault_kind(name);
    EXPECT_EQ(k.name, name);
    if (k.on_links) continue;
    EXPECT_NE(k.start, nullptr) << name;
    EXPECT_NE(k.heal, nullptr) << name;
  }
}

TEST(FaultKinds, DownWinsThenTheLargestDelay) {
  FaultSpec slow{"delay", {"n1"}, "", {}, 50, 5, 0};
  FaultSpec slower{"delay", {}, "", {}, 200, 0, 0};
  FaultSpec cut{"partition", {"n1"}, "one", {}, 0, 0, 0};
  cut.grudge["n2"] = {"n1"};  // n2 does not hear n1
  EXPECT_EQ(link_state({}, "n1", "n2"), LinkState::up());
  EXPECT_EQ(link_state({&slow}, "n1", "n2"), LinkState::delayed(50, 5));
  EXPECT_EQ(link_state({&slow}, "n2", "n3"), LinkState::up());
  EXPECT_EQ(link_state({&slow, &slower}, "n1", "n2"), LinkState::delayed(200, 0));
  EXPECT_EQ(link_state({&slower, &cut}, "n1", "n2"), LinkState::down());
  EXPECT_EQ(link_state({&cut}, "n2", "n1"), LinkState::up());
}

}  // namespace
}  // namespace faultline
