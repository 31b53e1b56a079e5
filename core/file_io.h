// Whole-file reads and atomic writes: the one helper every writer of a run
// directory file (plan.json, verdict.json, junit.xml, report.html, the
// bugzoo table, libfaketime's control file) and every reader of one uses.
//
// write_file_atomic writes a temporary file beside the target, flushes it
// and renames it over the target, so a reader (a person, CI, libfaketime,
// a concurrent `faultline report`) sees the old text or the new, never half.
// Errors are values naming the path.
//
// Thread-safety: none needed; two writers of one path each rename a complete
// file of their own (the temporary name carries the pid and a counter).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace faultline {

// The whole file. not_found when it cannot be opened, io when a read fails.
Status read_file(const std::string& path, std::string* out);

// Replaces path's contents with text atomically (see above). Creates the
// parent directory when create_parent is set.
Status write_file_atomic(const std::string& path, std::string_view text, bool create_parent = false);

}  // namespace faultline
