// FL_ASSERT: assertions that stay on in release builds (TigerBeetle style).
// A failed assertion prints where and why, then aborts: it marks a bug in our
// own code, never bad input (bad input gets a Status).
#pragma once

#include <cstdio>
#include <cstdlib>

#define FL_ASSERT(cond)                                                      \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__,       \
                   __LINE__, #cond);                                         \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

#define FL_ASSERT_MSG(cond, msg)                                             \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: assertion failed: %s (%s)\n", __FILE__,  \
                   __LINE__, #cond, (msg));                                  \
      std::abort();                                                          \
    }                                                                        \
  } while (0)
