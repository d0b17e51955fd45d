#include "tuner/core/json_check.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace autotune::detail {
namespace {

using nlohmann::json;

constexpr std::size_t kTokenExcerpt = 40;

// A SAX handler that builds nothing: it tracks where in the document the
// parser is, so an error can name the field, and stops at max_depth.
class Scanner {
 public:
  Scanner(int max_depth, std::string root_field) : max_depth_(max_depth), root_(std::move(root_field)) {}

  bool null() { return EndValue(); }
  bool boolean(bool) { return EndValue(); }
  bool number_integer(json::number_integer_t) { return EndValue(); }
  bool number_unsigned(json::number_unsigned_t) { return EndValue(); }
  bool number_float(json::number_float_t, const json::string_t&) { return EndValue(); }
  bool string(json::string_t&) { return EndValue(); }
  bool binary(json::binary_t&) { return EndValue(); }
  bool start_object(std::size_t) { return Open(false); }
  bool key(json::string_t& k) {
    frames_.back().key = k;
    frames_.back().has_key = true;
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(true); }
  bool end_array() { return Close(); }

  bool parse_error(std::size_t, const std::string& token, const json::exception& e) {
    if (e.id == 406) {  // nlohmann: "number overflow": the literal does not fit a double
      std::string shown = token.size() > kTokenExcerpt ? token.substr(0, kTokenExcerpt) + "..." : token;
      status_ =
          Status::InvalidArgument("must be a finite number (" + shown + " is out of range)", FieldPath());
    } else {
      status_ = Status::InvalidArgument(std::string("not valid JSON: ") + e.what(), root_);
    }
    return false;
  }

  const Status& status() const { return status_; }

 private:
  struct Frame {
    bool array = false;
    std::string key;  // objects: the key of the value being read
    bool has_key = false;
    std::size_t index = 0;  // arrays: the index of the value being read
  };

  bool Open(bool array) {
    if (frames_.size() >= static_cast<std::size_t>(max_depth_)) {
      const bool named = !frames_.empty() && !frames_[0].array && frames_[0].has_key;
      status_ = Status::InvalidArgument("is nested more than " + std::to_string(max_depth_) + " levels deep",
                                        named ? frames_[0].key : root_);
      return false;
    }
    frames_.push_back(Frame{array, {}, false, 0});
    return true;
  }
  bool Close() {
    frames_.pop_back();
    return EndValue();
  }
  // A value ended: the enclosing container moves on to its next one.
  bool EndValue() {
    if (frames_.empty()) return true;
    Frame& f = frames_.back();
    if (f.array) {
      ++f.index;
    } else {
      f.has_key = false;
    }
    return true;
  }

  // "space.x.high", "trial.command[1]"; root_ at the top level.
  std::string FieldPath() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (f.array) {
        out += "[" + std::to_string(f.index) + "]";
      } else if (f.has_key) {
        out += (out.empty() ? "" : ".") + f.key;
      }
    }
    return out.empty() ? root_ : out;
  }

  int max_depth_;
  std::string root_;
  std::vector<Frame> frames_;
  Status status_;
};

}  // namespace

Status CheckJsonText(std::string_view text, int max_depth, const std::string& root_field) {
  Scanner scanner(max_depth, root_field);
  // The SAX parser is iterative: a document nested 100,000 deep costs no stack.
  if (json::sax_parse(text.begin(), text.end(), &scanner)) return Status::Ok();
  if (!scanner.status().ok()) return scanner.status();
  return Status::InvalidArgument("not valid JSON", root_field);
}

}  // namespace autotune::detail
