#include "core/busy.hpp"

#include "core/runtime.hpp"

#include <algorithm>
#include <cmath>

namespace kaltune {

namespace {
// Nothing a connection here does takes more expiries than this: a limit of 255 x rto_max
// (tcp_retries2 = 255) is reached in fewer than 270 expiries whatever the RTO.
constexpr std::int64_t max_expiries = 4096;

// The timer's lateness: an expiry at nominal S ms may happen as late as this (core/verify's rule).
double late(double nominal_ms) {
  return nominal_ms * 9.0 / 8.0 + 500.0;
}

// The first expiry j >= 1 at which `reached(S_j)` holds.
template <typename Reached>
std::int64_t first_expiry(double rto_ms, std::int64_t rto_max_ms, Reached reached) {
  for (std::int64_t j = 1; j < max_expiries; ++j) {
    if (reached(expiry_ms(rto_ms, j, rto_max_ms))) {
      return j;
    }
  }
  return max_expiries;
}

std::int64_t nominal_k(const BusyLimit& limit, double rto_ms) {
  const auto ms = static_cast<double>(limit.ms);
  return first_expiry(rto_ms, limit.rto_max_ms, [ms](double s) { return s >= ms; });
}

// With the timer's lateness counted: the first expiry that may already be past the limit.
std::int64_t early_k(const BusyLimit& limit, double rto_ms) {
  const auto ms = static_cast<double>(limit.ms);
  return first_expiry(rto_ms, limit.rto_max_ms, [ms](double s) { return late(s) >= ms; });
}

// The smallest RTO in [lo, hi] at which `reached(S_k(rto))` holds; S_k does not decrease with
// the RTO. Bisection to well below a microsecond.
template <typename Reached>
double threshold(double lo, double hi, std::int64_t k, std::int64_t rto_max_ms, Reached reached) {
  for (int i = 0; i < 80; ++i) {
    const double mid = (lo + hi) / 2.0;
    if (reached(expiry_ms(mid, k, rto_max_ms))) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

double give_up_after_first(const BusyLimit& limit, double rto_ms) {
  if (limit.rule == BusyRule::user_timeout) {
    return static_cast<double>(limit.ms); // the timer is clamped to fire right then
  }
  return expiry_ms(rto_ms, nominal_k(limit, rto_ms), limit.rto_max_ms);
}

// The latest give-up after the last send over RTOs in [lo, hi]: the first retransmission up to
// 2 RTOs after the send, then the expiry that reaches the limit. Within the RTOs that take the
// same number of expiries it grows with the RTO, so the candidates are hi and the RTOs just
// below each one that needs one expiry fewer.
double worst_give_up(const BusyLimit& limit, double lo, double hi) {
  double worst = 2.0 * hi + give_up_after_first(limit, hi);
  if (limit.rule == BusyRule::user_timeout) {
    return worst;
  }
  const auto ms = static_cast<double>(limit.ms);
  const auto reached = [ms](double s) { return s >= ms; };
  for (std::int64_t k = nominal_k(limit, hi); k < nominal_k(limit, lo); ++k) {
    const double r = threshold(lo, hi, k, limit.rto_max_ms, reached);
    worst = std::max(worst, 2.0 * r + expiry_ms(r, k + 1, limit.rto_max_ms));
  }
  return worst;
}

// The earliest last retransmission after the send over RTOs in [lo, hi]: one RTO, then the last
// expiry that may still be short of the limit with the timer's lateness. Within the RTOs that
// take the same number of expiries it grows with the RTO: the candidates are lo and each RTO
// from which one expiry fewer goes out.
double shortest_survival(const BusyLimit& limit, double lo, double hi) {
  const std::int64_t at_lo = early_k(limit, lo);
  double best = lo + (at_lo > 1 ? expiry_ms(lo, at_lo - 1, limit.rto_max_ms) : 0.0);
  const auto ms = static_cast<double>(limit.ms);
  const auto reached = [ms](double s) { return late(s) >= ms; };
  for (std::int64_t k = early_k(limit, hi); k < at_lo; ++k) {
    const double r = threshold(lo, hi, k, limit.rto_max_ms, reached);
    best = std::min(best, r + (k > 1 ? expiry_ms(r, k - 1, limit.rto_max_ms) : 0.0));
  }
  return best;
}

std::int64_t up(double ms) {
  return static_cast<std::int64_t>(std::ceil(ms - 1e-6));
}
std::int64_t down(double ms) {
  return static_cast<std::int64_t>(std::floor(ms + 1e-6));
}

std::int64_t read_or(ProcSys& proc, std::string_view name, std::int64_t fallback) {
  try {
    return read_integer(proc, name);
  } catch (const Error&) {
    return fallback; // an older kernel: the compile-time constant
  }
}
} // namespace

BusyInputs read_busy_inputs(ProcSys& proc) {
  BusyInputs out;
  out.retries2 = read_integer(proc, sysctl_name(Key::retries2));
  out.rto_max_ms = read_or(proc, "net.ipv4.tcp_rto_max_ms", default_rto_max_ms);
  out.rto_min_ms = std::max<std::int64_t>(
      1, (read_or(proc, "net.ipv4.tcp_rto_min_us", model_rto_ms * 1000) + 999) / 1000);
  return out;
}

std::int64_t model_timeout_ms(std::int64_t retries2, std::int64_t rto_max_ms) {
  const std::int64_t ratio = std::max<std::int64_t>(1, rto_max_ms / model_rto_ms);
  std::int64_t threshold = 0; // ilog2(rto_max / TCP_RTO_MIN)
  while ((std::int64_t{2} << threshold) <= ratio) {
    ++threshold;
  }
  if (retries2 <= threshold) {
    return ((std::int64_t{2} << retries2) - 1) * model_rto_ms;
  }
  return ((std::int64_t{2} << threshold) - 1) * model_rto_ms + (retries2 - threshold) * rto_max_ms;
}

BusyLimit retries2_limit(const BusyInputs& inputs) {
  return BusyLimit{BusyRule::retries2, model_timeout_ms(inputs.retries2, inputs.rto_max_ms),
                   inputs.rto_max_ms};
}

BusyLimit user_timeout_limit(std::int64_t user_timeout_ms, std::int64_t rto_max_ms) {
  return BusyLimit{BusyRule::user_timeout, user_timeout_ms, rto_max_ms};
}

double expiry_ms(double rto_ms, std::int64_t j, std::int64_t rto_max_ms) {
  const auto cap = static_cast<double>(rto_max_ms);
  double sum = 0.0;
  double interval = rto_ms;
  for (std::int64_t i = 1; i <= j; ++i) {
    interval = std::min(interval * 2.0, cap);
    if (interval >= cap) {
      return sum + static_cast<double>(j - i + 1) * cap;
    }
    sum += interval;
  }
  return sum;
}

BusyTimeline busy_timeline(const BusyLimit& limit, double rto_ms) {
  BusyTimeline out;
  const std::int64_t k = nominal_k(limit, rto_ms);
  out.retransmissions = k;
  const double last = k > 1 ? expiry_ms(rto_ms, k - 1, limit.rto_max_ms) : 0.0;
  out.last_retransmission_ms = down(last);
  out.give_up_ms = up(give_up_after_first(limit, rto_ms));
  if (limit.rule == BusyRule::retries2 && k > 1 && late(last) >= static_cast<double>(limit.ms)) {
    out.early_give_up_ms = up(last);
  }
  return out;
}

std::int64_t first_retransmission_ms(double rto_ms, double srtt_ms, std::int64_t rto_min_ms) {
  const double probe = std::min(2.0 * srtt_ms + static_cast<double>(rto_min_ms), rto_ms);
  return up(probe + rto_ms);
}

BusyRange busy_range(const BusyLimit& limit, const BusyInputs& inputs) {
  const auto lo = static_cast<double>(inputs.rto_min_ms);
  const double hi = std::max(lo, static_cast<double>(initial_rto_ms));
  BusyRange out;
  out.limit = limit;
  out.earliest_ms = inputs.rto_min_ms + limit.ms;
  out.worst_ms = up(worst_give_up(limit, lo, hi));
  out.latest_ms = up(late(static_cast<double>(out.worst_ms)));
  out.survives_ms = down(shortest_survival(limit, lo, hi));
  return out;
}

BusyLeft busy_left(const BusyState& state, const BusyLimit& limit, const BusyInputs& inputs) {
  const double rto = static_cast<double>(state.rto_us) / 1000.0;
  const auto cap = static_cast<double>(limit.rto_max_ms);
  const double scale =
      std::ldexp(1.0, static_cast<int>(std::clamp<std::int64_t>(state.backoff, 0, 62)));
  BusyLeft out;
  // Below rto_max the RTO before backoff is exact; at it, the smallest one consistent with the
  // backoff gives the most expiries, so the latest give-up.
  const bool capped = rto >= cap;
  const double base =
      capped ? std::max(static_cast<double>(inputs.rto_min_ms), cap / scale) : rto / scale;
  const auto left = static_cast<double>(state.timer_left_ms);
  if (state.retransmits == 0) {
    // Not retransmitted yet: the pending expiry is the first retransmission, or a tail loss
    // probe after which the RTO starts again.
    out.left_ms = up(left + base + give_up_after_first(limit, base));
    return out;
  }
  out.exact = !capped && state.backoff == state.retransmits;
  const double at_next = expiry_ms(base, state.retransmits, limit.rto_max_ms);
  const double end = give_up_after_first(limit, base);
  out.left_ms = up(left + std::max(0.0, end - at_next));
  return out;
}

} // namespace kaltune
