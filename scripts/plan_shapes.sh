#!/usr/bin/env bash
# Prints plan_shape (generators/plan_gen.h) of the plans seeds 1..20 draw,
# one line each, so the breadth of the swarm is visible at a glance:
#   scripts/plan_shapes.sh            (after ./dev build)
set -euo pipefail
cd "$(dirname "$0")/.."
build/bin/generators_test --gtest_filter='PlanFromSeedTest.PrintsTheShapesOfSeeds1To20' | grep '^seed '
