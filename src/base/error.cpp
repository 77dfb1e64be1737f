#include "base/error.hpp"

#include <cerrno>
#include <cstring>

namespace kaltune {

namespace {
std::string describe(int error_number, const std::string& context) {
  return context + ": " + std::strerror(error_number);
}
} // namespace

SystemError::SystemError(int error_number, const std::string& context)
    : Error(status_for_errno(error_number), describe(error_number, context)), errno_(error_number) {
}

SystemError::SystemError(int error_number, std::string call, const std::string& context)
    : SystemError(error_number, context) {
  call_ = std::move(call);
}

SystemError::SystemError(Whole, int error_number, std::string call, const std::string& message)
    : Error(status_for_errno(error_number), message), errno_(error_number), call_(std::move(call)) {
}

SystemError SystemError::noted(const std::string& note) const {
  return SystemError(Whole{}, errno_, call_, std::string(what()) + "; " + note);
}

ExitStatus status_for_errno(int error_number) {
  return (error_number == EACCES || error_number == EPERM) ? ExitStatus::permission
                                                           : ExitStatus::system;
}

} // namespace kaltune
