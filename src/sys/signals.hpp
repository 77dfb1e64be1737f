#pragma once

#include <signal.h>

namespace kaltune {

// Holds SIGINT, SIGTERM, SIGHUP and SIGQUIT back while a change is being made, so an interrupted
// run still finishes or undoes it (and removes its temp file) instead of dying half-way (mold
// removes its temp file from a signal handler; kaltune has more to undo than a file). Pending
// signals are delivered, with their usual effect, when the scope ends.
class DeferSignals {
public:
  DeferSignals();
  ~DeferSignals();
  DeferSignals(const DeferSignals&) = delete;
  DeferSignals& operator=(const DeferSignals&) = delete;

private:
  sigset_t previous_;
};

} // namespace kaltune
