#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kaltune {

// The exit statuses of DESIGN.md, identical for every command.
enum class ExitStatus : int {
  ok = 0,         // success, or no difference
  different = 1,  // diff found a difference, check found a policy violated
  usage = 2,      // usage error or invalid value; nothing changed
  permission = 3, // permission denied; nothing changed
  system = 4,     // the system refused or failed; any partial change rolled back
};

// The one exception type of kaltune: a message with its context and the exit status it maps to.
// Thrown at the I/O boundary and by validation; main() turns it into "kaltune: message" + status.
class Error : public std::exception {
public:
  Error(ExitStatus status, std::string message) : status_(status), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  ExitStatus status() const noexcept { return status_; }

private:
  ExitStatus status_;
  std::string message_;
};

// A failed system call: the errno is kept so callers can decide (EACCES means exit 3, EROFS 4),
// and, when the thrower names it, the call ("pidfd_open", "getsockopt(TCP_KEEPIDLE)"), so that a
// caller counting failures by call need not read it out of the message.
class SystemError : public Error {
public:
  SystemError(int error_number, const std::string& context);
  SystemError(int error_number, std::string call, const std::string& context);
  int error_number() const noexcept { return errno_; }
  const std::string& call() const noexcept { return call_; } // "" when not named
  // The same failure with `note` after its message ("…: Input/output error; NOTE"): what a caller
  // knows of the consequences (what the file holds, whether the kernel was changed).
  SystemError noted(const std::string& note) const;

private:
  struct Whole {};
  SystemError(Whole, int error_number, std::string call, const std::string& message);
  int errno_;
  std::string call_;
};

// Exit status for a failed system call: permission problems are 3, everything else is 4.
ExitStatus status_for_errno(int error_number);

// Result of pure code: a value, or a one-line message saying what is wrong.
template <typename T> class Result {
public:
  Result(T value) : data_(std::move(value)) {} // NOLINT(google-explicit-constructor)
  static Result failure(std::string message) { return Result(Failure{std::move(message)}); }

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  const std::string& error() const { return std::get<Failure>(data_).message; }

private:
  struct Failure {
    std::string message;
  };
  explicit Result(Failure failure) : data_(std::move(failure)) {}
  std::variant<T, Failure> data_;
};

} // namespace kaltune
