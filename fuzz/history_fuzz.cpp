// Fuzz target: core/history.h's reader (history.jsonl). Whatever the file
// holds, reading it ends in end-of-file or an error naming a line, never a
// crash, and never more operations than lines.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/history.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto path = faultline::fuzz::scratch_dir() / "history.jsonl";
  faultline::fuzz::write_file(path, text);
  std::unique_ptr<faultline::HistoryReader> reader;
  if (!faultline::HistoryReader::open(path.string(), &reader)) return 0;
  int64_t ops = 0;
  faultline::HistoryOp op;
  faultline::HistoryReader::Result r;
  while ((r = reader->next(&op)) == faultline::HistoryReader::Result::kOp) ++ops;
  FUZZ_CHECK(ops <= static_cast<int64_t>(size));
  if (r == faultline::HistoryReader::Result::kError) FUZZ_CHECK(!reader->error().is_ok());
  return 0;
}
