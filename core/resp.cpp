#include "core/resp.h"

#include <charconv>

namespace faultline {

std::string resp_encode(const RespValue& v) {
  using T = RespValue::Type;
  switch (v.type) {
    case T::kSimple: return "+" + v.str + "\r\n";
    case T::kError: return "-" + v.str + "\r\n";
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

// The length limit applies whether or not the line's end has arrived (a CR
// waiting for its LF does not count), so a stream parses the same however it
// is chunked.
RespParser::Step RespParser::read_line(size_t* pos, std::string_view* line) {
  size_t eol = buffer_.find("\r\n", *pos);
  size_t len = (eol == std::string::npos ? buffer_.size() : eol) - *pos;
  if (eol == std::string::npos && len > 0 && buffer_.back() == '\r') --len;
  if (len > kMaxInlineBytes) return fail(*pos, "line too long");
  if (eol == std::string::npos) return Step::kNeedMore;
  *line = std::string_view(buffer_).substr(*pos, eol - *pos);
  *pos = eol + 2;
  return Step::kDone;
}

namespace {
bool parse_int(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

RespParser::Step RespParser::parse(size_t* pos, int depth, RespValue* out) {
  if (depth > kMaxDepth) return fail(*pos, "nesting deeper than " + std::to_string(kMaxDepth));
  if (*pos >= buffer_.size()) return Step::kNeedMore;
  const size_t start = *pos;
  const char tag = buffer_[*pos];
  size_t p = *pos + 1;
  std::string_view line;
  Step st = read_line(&p, &line);
  if (st != Step::kDone) return st;
  int64_t n = 0;
  switch (tag) {
    case '+':
      *out = RespValue::simple(std::string(line));
      break;
    case '-':
      *out = RespValue::error(std::string(line));
      break;
    case ':':
      if (!parse_int(line, &n)) return fail(start, "invalid integer '" + std::string(line) + "'");
      *out = RespValue::integer_value(n);
      break;
    case '$': {
      if (!parse_int(line, &n) || n < -1) return fail(start, "invalid bulk length '" + std::string(line) + "'");
      if (n > kMaxBulkBytes) return fail(start, "bulk length " + std::to_string(n) + " exceeds the limit");
      if (n == -1) {
        *out = RespValue::null();
        break;
      }
      const size_t len = static_cast<size_t>(n);
      if (buffer_.size() - p < len + 2) return Step::kNeedMore;
      if (buffer_.compare(p + len, 2, "\r\n") != 0) return fail(p + len, "bulk string not terminated by CRLF");
      *out = RespValue::bulk(buffer_.substr(p, len));
      p += len + 2;
      break;
    }
    case '*': {
      if (!parse_int(line, &n) || n < -1) return fail(start, "invalid array length '" + std::string(line) + "'");
      if (n > kMaxArrayElements) return fail(start, "array length " + std::to_string(n) + " exceeds the limit");
      if (n == -1) {
        *out = RespValue{RespValue::Type::kNullArray, {}, 0, {}};
        break;
      }
      RespValue arr = RespValue::array({});
      for (int64_t i = 0; i < n; ++i) {
        RespValue e;
        st = parse(&p, depth + 1, &e);
        if (st != Step::kDone) return st;
        arr.elements.push_back(std::move(e));
      }
      *out = std::move(arr);
      break;
    }
    default:
      return fail(start, std::string("unknown type byte '") + tag + "'");
  }
  *pos = p;
  return Step::kDone;
}

RespParser::Step RespParser::parse_inline(size_t* pos, RespValue* out) {
  // An inline command ends at the first LF, with or without a CR before it,
  // as redis-server reads it: "SET a b\nGET a\r\n" is two commands.
  const size_t nl = buffer_.find('\n', *pos);
  size_t len = (nl == std::string::npos ? buffer_.size() : nl) - *pos;
  if (len > 0 && buffer_[*pos + len - 1] == '\r') --len;
  if (len > kMaxInlineBytes) return fail(*pos, "line too long");
  if (nl == std::string::npos) return Step::kNeedMore;
  const std::string_view line = std::string_view(buffer_).substr(*pos, len);
  const size_t p = nl + 1;
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
  *pos = p;
  return Step::kDone;
}

RespParser::Result RespParser::next(RespValue* out) {
  if (!error_.empty()) return Result::kBad;
  for (;;) {
    if (offset_ >= buffer_.size()) return Result::kNeedMore;
    size_t pos = offset_;
    Step st;
    const char c = buffer_[pos];
    const bool typed = c == '+' || c == '-' || c == ':' || c == '$' || c == '*';
    if (!typed && allow_inline_) {
      st = parse_inline(&pos, out);
    } else {
      st = parse(&pos, 0, out);
    }
    if (st == Step::kNeedMore) return Result::kNeedMore;
    if (st == Step::kBad) return Result::kBad;
    offset_ = pos;
    if (offset_ > 65536 && offset_ * 2 > buffer_.size()) {
      buffer_.erase(0, offset_);
      consumed_total_ += offset_;
      offset_ = 0;
    }
    // An empty inline line is skipped, as redis-server does.
    if (out->type == RespValue::Type::kArray && out->elements.empty() && !typed) continue;
    return Result::kGood;
  }
}

}  // namespace faultline
