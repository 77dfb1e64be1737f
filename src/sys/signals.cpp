#include "sys/signals.hpp"

#include <initializer_list>

namespace kaltune {

DeferSignals::DeferSignals() {
  sigset_t deferred;
  sigemptyset(&deferred);
  for (int number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    sigaddset(&deferred, number);
  }
  pthread_sigmask(SIG_BLOCK, &deferred, &previous_);
}

DeferSignals::~DeferSignals() {
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

} // namespace kaltune
