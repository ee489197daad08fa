// Status and Result<T>: errors as values at module boundaries.
//
// A Status is either ok or an error code with a human message. Each layer adds
// context with `WithContext("open wal segment 3")`, so a message reads from the
// outside in: "open wal segment 3: no space left on device". Result<T> holds a
// T or a non-ok Status (a small std::expected). Neither type throws; asking a
// Result for its value when it holds an error is a broken invariant (assert).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace flotilla::base {

enum class Code {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kCorruption,
  kIoError,
  kUnavailable,
  kTimeout,
  kCancelled,
  kInternal,
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  // An I/O failure described by errno, e.g. FromErrno("open /x", ENOENT).
  static Status FromErrno(const std::string& what, int err);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "context: message", keeping the code.
  Status WithContext(const std::string& context) const;
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace flotilla::base

// Returns early from the enclosing function when `expr` is a non-ok Status.
#define FLOTILLA_RETURN_IF_ERROR(expr)     \
  do {                                     \
    ::flotilla::base::Status _st = (expr); \
    if (!_st.ok()) return _st;             \
  } while (0)
