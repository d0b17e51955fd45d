// The trial protocol's output side (ARCHITECTURE.md "The trial protocol"):
// splitting a byte stream into lines, recognising `AUTOTUNE {json}` metric
// lines on stdout, and keeping the last lines of everything else as a log tail.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "tuner/core/trial.h"

namespace autotune {

// What one stdout line turned out to be.
struct ProtocolLine {
  enum class Kind {
    kLog,      // not a protocol line: goes to the log
    kMetrics,  // a valid `AUTOTUNE {...}` line: `point` holds it
    kInvalid,  // starts like a protocol line but is malformed: `error` says why
  };
  Kind kind = Kind::kLog;
  MetricPoint point;
  std::string error;  // "bad AUTOTUNE line: metric \"loss\" is not a number: ..."
};

// Classifies one stdout line (without its newline). A protocol line is
// "AUTOTUNE" followed by a space or tab and a JSON object holding an integer
// "step" >= 0; every other field must be a finite number (booleans, strings,
// null, NaN and Infinity are rejected). Any other line is a log line.
ProtocolLine ParseStdoutLine(std::string_view line);

// Splits a byte stream into lines. Accepts data in arbitrary chunks (a line may
// span reads); a trailing '\r' is dropped; a line longer than max_line_bytes is
// cut to that length and reported with truncated = true when its end arrives.
class LineSplitter {
 public:
  using LineFn = std::function<void(std::string_view line, bool truncated)>;

  explicit LineSplitter(std::size_t max_line_bytes) : max_(max_line_bytes) {}

  // Calls fn for each line completed by data.
  void Feed(std::string_view data, const LineFn& fn);
  // At end of stream: calls fn for a final line that had no newline, if any.
  void Finish(const LineFn& fn);

 private:
  void Emit(const LineFn& fn);

  std::size_t max_;
  std::string partial_;
  bool truncated_ = false;
  bool pending_ = false;  // bytes of an unfinished line were seen
};

// Keeps the last `capacity` lines added.
class LogTail {
 public:
  explicit LogTail(std::size_t capacity) : capacity_(capacity) {}
  void Add(std::string_view line);
  // The kept lines, oldest first, each ending in '\n'.
  std::string Text() const;

 private:
  std::size_t capacity_;
  std::deque<std::string> lines_;
};

}  // namespace autotune
