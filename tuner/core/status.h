// Status and StatusOr<T>: errors as values inside the libraries.
// A Status carries a code, a message a user can act on, and optionally the
// path of the offending field in the study spec ("space.lr.low").
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace autotune {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,  // bad input: fix the request or spec
    kNotFound,
    kAlreadyExists,
    kFailedPrecondition,  // the state forbids it (e.g. a spec conflict)
    kUnavailable,         // transient: retrying may help
    kCancelled,
    kInternal,
  };

  Status() = default;
  Status(Code code, std::string message, std::string field = "")
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg, std::string field = "") {
    return Status(Code::kInvalidArgument, std::move(msg), std::move(field));
  }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) {
    return Status(Code::kAlreadyExists, std::move(msg));
  }
  static Status FailedPrecondition(std::string msg) {
    return Status(Code::kFailedPrecondition, std::move(msg));
  }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Cancelled(std::string msg) { return Status(Code::kCancelled, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }
  // "field: message" when a field is set, else the message.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

// Either a value or a non-OK Status.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace autotune

// Propagates a non-OK Status from an expression returning Status.
#define AT_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::autotune::Status at_status_ = (expr); \
    if (!at_status_.ok()) return at_status_; \
  } while (0)

#define AT_CONCAT_INNER(a, b) a##b
#define AT_CONCAT(a, b) AT_CONCAT_INNER(a, b)
// Assigns the value of a StatusOr expression to lhs or returns its Status.
#define AT_ASSIGN_OR_RETURN(lhs, expr) AT_ASSIGN_OR_RETURN_IMPL(AT_CONCAT(at_sor_, __LINE__), lhs, expr)
#define AT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
