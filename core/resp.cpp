#include "core/resp.h"

#include "core/types.h"

#include <algorithm>
#include <charconv>

namespace faultline {

std::string status_error_text(const Status& s) {
  switch (s.code()) {
    case Status::Code::kUnavailable: return "UNAVAILABLE " + s.message();
    case Status::Code::kTimeout: return "TIMEOUT " + s.message();
    case Status::Code::kInvalid: return "ERR " + s.message();
    default:
      // Anything else from a coordinator (I/O on a replica) leaves the outcome
      // unknown, which is what TIMEOUT tells the harness.
      return "TIMEOUT " + s.to_string();
  }
}

namespace {
// A simple string or error ends at its CRLF; a CR or LF inside would start a
// reply of its own (reply-stream injection), so each becomes a space, as
// redis-server's addReplyError does.
std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return s;
}
}  // namespace

std::string resp_encode(const RespValue& v) {
  using T = RespValue::Type;
  switch (v.type) {
    case T::kSimple: return "+" + one_line(v.str) + "\r\n";
    case T::kError: return "-" + one_line(v.str) + "\r\n";
    case T::kInteger: return ":" + std::to_string(v.integer) + "\r\n";
    case T::kBulk: return "$" + std::to_string(v.str.size()) + "\r\n" + v.str + "\r\n";
    case T::kNull: return "$-1\r\n";
    case T::kNullArray: return "*-1\r\n";
    case T::kArray: {
      std::string out = "*" + std::to_string(v.elements.size()) + "\r\n";
      for (const auto& e : v.elements) out += resp_encode(e);
      return out;
    }
  }
  return {};
}

std::string resp_encode_command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

RespParser::Step RespParser::fail(size_t at, std::string why) {
  error_ = "RESP protocol error at byte " + std::to_string(consumed_total_ + at) + ": " + why;
  return Step::kBad;
}

// The line starting at pos_, up to CRLF; pos_ moves past it. The length
// limit applies whether or not the line's end has arrived (a CR waiting for
// its LF does not count), so a stream parses the same however it is chunked.
// Bytes already searched are not searched again.
RespParser::Step RespParser::read_line(std::string_view* line) {
  const size_t from = std::max(pos_, line_scanned_ > 0 ? line_scanned_ - 1 : 0);
  const size_t eol = buffer_.find("\r\n", from);
  size_t len = (eol == std::string::npos ? buffer_.size() : eol) - pos_;
  if (eol == std::string::npos && len > 0 && buffer_.back() == '\r') --len;
  if (len > kMaxInlineBytes) return fail(pos_, "line too long");
  if (eol == std::string::npos) {
    line_scanned_ = buffer_.size();
    return Step::kNeedMore;
  }
  *line = std::string_view(buffer_).substr(pos_, eol - pos_);
  pos_ = eol + 2;
  line_scanned_ = 0;
  return Step::kValue;  // a whole line
}

namespace {
bool parse_int(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// What one parsed element costs while its array is still open.
size_t held_size(const RespValue& v) { return sizeof(RespValue) + v.str.size() + v.elements.size() * sizeof(RespValue); }
}  // namespace

// One value at pos_: a whole scalar (kValue), or an array header pushed onto
// open_ (kOpened; an empty or null array is a whole value).
RespParser::Step RespParser::step(RespValue* out) {
  if (bulk_len_ >= 0) {
    const size_t len = static_cast<size_t>(bulk_len_);
    if (buffer_.size() - pos_ < len + 2) return Step::kNeedMore;
    if (buffer_.compare(pos_ + len, 2, "\r\n") != 0) return fail(pos_ + len, "bulk string not terminated by CRLF");
    *out = RespValue::bulk(buffer_.substr(pos_, len));
    pos_ += len + 2;
    bulk_len_ = -1;
    return Step::kValue;
  }
  if (static_cast<int>(open_.size()) > kMaxDepth) return fail(pos_, "nesting deeper than " + std::to_string(kMaxDepth));
  if (pos_ >= buffer_.size()) return Step::kNeedMore;
  const size_t start = pos_;
  const char tag = buffer_[pos_];
  ++pos_;
  std::string_view line;
  Step st = read_line(&line);
  if (st != Step::kValue) {
    pos_ = start;  // the line is read again once complete; line_scanned_ skips what was searched
    return st;
  }
  int64_t n = 0;
  switch (tag) {
    case '+': *out = RespValue::simple(std::string(line)); return Step::kValue;
    case '-': *out = RespValue::error(std::string(line)); return Step::kValue;
    case ':':
      if (!parse_int(line, &n)) return fail(start, "invalid integer '" + escape_control(line) + "'");
      *out = RespValue::integer_value(n);
      return Step::kValue;
    case '$':
      if (!parse_int(line, &n) || n < -1) return fail(start, "invalid bulk length '" + escape_control(line) + "'");
      if (n > bulk_bytes_max_) {
        return fail(start, "bulk length " + std::to_string(n) + " exceeds the limit of " + std::to_string(bulk_bytes_max_));
      }
      if (n == -1) {
        *out = RespValue::null();
        return Step::kValue;
      }
      bulk_len_ = n;
      return step(out);
    case '*':
      if (!parse_int(line, &n) || n < -1) return fail(start, "invalid array length '" + escape_control(line) + "'");
      if (n > kMaxArrayElements) return fail(start, "array length " + std::to_string(n) + " exceeds the limit");
      if (n <= 0) {
        *out = n == -1 ? RespValue{RespValue::Type::kNullArray, {}, 0, {}} : RespValue::array({});
        return Step::kValue;
      }
      open_.push_back(Open{RespValue::array({}), n});
      return Step::kOpened;
    default:
      return fail(start, "unknown type byte '" + escape_control(std::string_view(&tag, 1)) + "'");
  }
}

RespParser::Step RespParser::parse_inline(RespValue* out) {
  // An inline command ends at the first LF, with or without a CR before it,
  // as redis-server reads it: "SET a b\nGET a\r\n" is two commands.
  const size_t nl = buffer_.find('\n', std::max(pos_, line_scanned_));
  size_t len = (nl == std::string::npos ? buffer_.size() : nl) - pos_;
  if (len > 0 && buffer_[pos_ + len - 1] == '\r') --len;
  if (len > kMaxInlineBytes) return fail(pos_, "line too long");
  if (nl == std::string::npos) {
    line_scanned_ = buffer_.size();
    return Step::kNeedMore;
  }
  const std::string_view line = std::string_view(buffer_).substr(pos_, len);
  RespValue arr = RespValue::array({});
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) arr.elements.push_back(RespValue::bulk(std::string(line.substr(i, j - i))));
    i = j;
  }
  *out = std::move(arr);
  pos_ = nl + 1;
  line_scanned_ = 0;
  return Step::kValue;
}

// Drops the consumed prefix once it dominates the buffer, so memory stays
// bounded by what is not consumed yet.
void RespParser::compact() {
  if (pos_ <= 65536 || pos_ * 2 <= buffer_.size()) return;
  buffer_.erase(0, pos_);
  consumed_total_ += pos_;
  line_scanned_ = line_scanned_ > pos_ ? line_scanned_ - pos_ : 0;
  pos_ = 0;
}

RespParser::Result RespParser::next(RespValue* out) {
  if (!error_.empty()) return Result::kBad;
  for (;;) {
    RespValue v;
    Step st;
    bool inline_command = false;
    if (open_.empty() && bulk_len_ < 0 && allow_inline_ && pos_ < buffer_.size()) {
      const char c = buffer_[pos_];
      inline_command = !(c == '+' || c == '-' || c == ':' || c == '$' || c == '*');
    }
    st = inline_command ? parse_inline(&v) : step(&v);
    if (st == Step::kNeedMore) {
      compact();
      return Result::kNeedMore;
    }
    if (st == Step::kBad) return Result::kBad;
    if (st == Step::kOpened) continue;
    // A whole value: it completes the arrays it closes.
    while (!open_.empty()) {
      Open& top = open_.back();
      held_bytes_ += held_size(v);
      top.array.elements.push_back(std::move(v));
      if (--top.remaining > 0) break;
      v = std::move(top.array);
      open_.pop_back();
      for (const RespValue& e : v.elements) held_bytes_ -= held_size(e);
    }
    if (!open_.empty()) continue;
    compact();
    // An empty inline line is skipped, as redis-server does.
    if (inline_command && v.elements.empty()) continue;
    *out = std::move(v);
    return Result::kGood;
  }
}

}  // namespace faultline
