// Process-level smoke test of faultline-node: follows in the next commit.
#include <gtest/gtest.h>
