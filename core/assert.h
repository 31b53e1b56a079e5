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

// FL_DEBUG_ASSERT: for checks too costly for every call of a release build,
// such as decoding each frame just encoded to check that it reads back as
// what was meant. On in builds without NDEBUG (CMAKE_BUILD_TYPE=Debug); in
// the others the condition is still compiled, so it cannot rot, but never
// evaluated.
#ifdef NDEBUG
#define FL_DEBUG_ASSERT(cond)    \
  do {                           \
    if (false) (void)(cond);     \
  } while (0)
#else
#define FL_DEBUG_ASSERT(cond) FL_ASSERT(cond)
#endif
