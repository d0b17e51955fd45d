#include "tuner/executor/protocol.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

namespace autotune {
namespace {

constexpr std::string_view kPrefix = "AUTOTUNE";
constexpr std::size_t kExcerptBytes = 200;
// A metrics line is one flat object, so deeper nesting is invalid anyway;
// refusing it before the parse keeps a 64 KiB line of '[' from building a
// document 32,000 levels deep.
constexpr int kMaxLineDepth = 8;

// True when text's objects and arrays (outside strings) nest deeper than limit.
bool NestsDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

// The offending line, shortened so one bad line cannot flood an error message.
std::string Excerpt(std::string_view line) {
  if (line.size() <= kExcerptBytes) return std::string(line);
  return std::string(line.substr(0, kExcerptBytes)) + "...";
}

ProtocolLine Invalid(const std::string& why, std::string_view line) {
  ProtocolLine out;
  out.kind = ProtocolLine::Kind::kInvalid;
  out.error = "bad AUTOTUNE line: " + why + ": " + Excerpt(line);
  return out;
}

}  // namespace

ProtocolLine ParseStdoutLine(std::string_view line) {
  if (line.size() <= kPrefix.size() || line.substr(0, kPrefix.size()) != kPrefix ||
      (line[kPrefix.size()] != ' ' && line[kPrefix.size()] != '\t')) {
    return ProtocolLine{};
  }
  std::string_view body = line.substr(kPrefix.size() + 1);
  if (NestsDeeperThan(body, kMaxLineDepth))
    return Invalid("nested more than " + std::to_string(kMaxLineDepth) + " levels deep", line);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return Invalid(std::string("not valid JSON (") + e.what() + ")", line);
  }
  if (!j.is_object()) return Invalid("expected a JSON object", line);

  ProtocolLine out;
  out.kind = ProtocolLine::Kind::kMetrics;
  bool have_step = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "step") {
      if (value.is_number_unsigned()) {
        if (value.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          return Invalid("\"step\" is too large", line);
        }
      } else if (!value.is_number_integer() || value.get<std::int64_t>() < 0) {
        return Invalid("\"step\" must be an integer >= 0", line);
      }
      out.point.step = value.get<std::int64_t>();
      have_step = true;
      continue;
    }
    if (!value.is_number()) return Invalid("metric \"" + key + "\" is not a number", line);
    double v = value.get<double>();
    // The parser already rejects NaN, Infinity and overflowing literals; this
    // keeps the guarantee independent of it.
    if (!std::isfinite(v)) return Invalid("metric \"" + key + "\" is not finite", line);
    out.point.values[key] = v;
  }
  if (!have_step) return Invalid("\"step\" is missing", line);
  return out;
}

void LineSplitter::Feed(std::string_view data, const LineFn& fn) {
  while (!data.empty()) {
    std::size_t nl = data.find('\n');
    std::string_view piece = data.substr(0, nl);
    pending_ = true;
    std::size_t room = max_ > partial_.size() ? max_ - partial_.size() : 0;
    if (piece.size() > room) {
      truncated_ = true;
      piece = piece.substr(0, room);
    }
    partial_.append(piece);
    if (nl == std::string_view::npos) return;
    Emit(fn);
    data.remove_prefix(nl + 1);
  }
}

void LineSplitter::Finish(const LineFn& fn) {
  if (pending_) Emit(fn);
}

void LineSplitter::Emit(const LineFn& fn) {
  std::string line;
  line.swap(partial_);
  bool truncated = truncated_;
  truncated_ = false;
  pending_ = false;
  if (!truncated && !line.empty() && line.back() == '\r') line.pop_back();
  fn(line, truncated);
}

void LogTail::Add(std::string_view line) {
  if (capacity_ == 0) return;
  if (lines_.size() == capacity_) lines_.pop_front();
  lines_.emplace_back(line);
}

std::string LogTail::Text() const {
  std::string out;
  for (const auto& l : lines_) {
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace autotune
