// What plan says when the goals cannot all be met: the conflict, as data, and the nearest goals
// that can be met, each a complete alternative found by searching the goal it changes.

#include "core/plan_solve.hpp"

#include <algorithm>
#include <functional>

namespace kaltune::plan_detail {

namespace {
constexpr std::int64_t search_cap = 1'000'000'000;

bool feasible(const PlanRequest& request, BusyTable& table) {
  return solve(request, table).has_value();
}

// One goal or given value that a change can move, and the way that helps.
struct Dimension {
  Adjust change;
  std::int64_t from; // the value now
  std::int64_t lo;   // the range the search may move it in
  std::int64_t hi;
  enum class Way { up, down, either } way;
  std::function<void(PlanRequest&, std::int64_t)> apply;
};

PlanRequest with(const PlanRequest& request, const Dimension& d, std::int64_t value) {
  PlanRequest out = request;
  d.apply(out, value);
  return out;
}

// The value nearest to d.from that makes `base` with it feasible. Up and down dimensions help
// monotonically (a longer idle timeout or detection, a shorter outage or tolerance, a shorter
// given time): a binary search. The others are scanned outwards.
std::optional<std::int64_t> nearest(const PlanRequest& base, const Dimension& d, BusyTable& table) {
  const auto ok = [&](std::int64_t v) { return feasible(with(base, d, v), table); };
  if (d.way == Dimension::Way::up) {
    if (d.from >= d.hi || !ok(d.hi)) {
      return std::nullopt;
    }
    std::int64_t lo = d.from;
    std::int64_t hi = d.hi; // ok(hi)
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      (ok(mid) ? hi : lo) = mid;
    }
    return hi;
  }
  if (d.way == Dimension::Way::down) {
    if (d.from <= d.lo || !ok(d.lo)) {
      return std::nullopt;
    }
    std::int64_t lo = d.lo; // ok(lo)
    std::int64_t hi = d.from;
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      (ok(mid) ? lo : hi) = mid;
    }
    return lo;
  }
  for (std::int64_t step = 1; d.from - step >= d.lo || d.from + step <= d.hi; ++step) {
    if (d.from - step >= d.lo && ok(d.from - step)) {
      return d.from - step;
    }
    if (d.from + step <= d.hi && ok(d.from + step)) {
      return d.from + step;
    }
  }
  return std::nullopt;
}

// Every goal and given value a change may move, with what is most lenient for it.
std::vector<Dimension> dimensions(const PlanRequest& request, const Limits& limits) {
  std::vector<Dimension> out;
  if (limits.idle) {
    out.push_back({Adjust::idle_timeout, *limits.idle, *limits.idle, search_cap, Dimension::Way::up,
                   [](PlanRequest& r, std::int64_t v) {
                     for (IdleTimeout& idle : r.goals.idle_timeouts) {
                       idle.seconds = std::max(idle.seconds, v);
                     }
                   }});
  }
  if (request.goals.detect_within) {
    out.push_back({Adjust::detect_within, *request.goals.detect_within,
                   *request.goals.detect_within, search_cap, Dimension::Way::up,
                   [](PlanRequest& r, std::int64_t v) { r.goals.detect_within = v; }});
  }
  out.push_back({Adjust::survive_outage, limits.outage, 0, limits.outage, Dimension::Way::down,
                 [](PlanRequest& r, std::int64_t v) { r.goals.survive_outage = v; }});
  out.push_back({Adjust::loss_tolerance, limits.tolerance, 0, limits.tolerance,
                 Dimension::Way::down,
                 [](PlanRequest& r, std::int64_t v) { r.goals.loss_tolerance = v; }});
  const auto pinned = [&](Key key, Adjust change, Dimension::Way way) {
    if (const auto& value = request.pins[index_of(key)]) {
      out.push_back({change, *value, api_range(key).min, api_range(key).max, way,
                     [key](PlanRequest& r, std::int64_t v) { r.pins[index_of(key)] = v; }});
    }
  };
  pinned(Key::time, Adjust::time, Dimension::Way::down);
  pinned(Key::probes, Adjust::probes, Dimension::Way::either);
  pinned(Key::intvl, Adjust::intvl, Dimension::Way::either);
  pinned(Key::retries2, Adjust::retries2, Dimension::Way::either);
  return out;
}

// The most lenient value of a dimension, to try another change with.
std::int64_t most_lenient(const Dimension& d) {
  return d.way == Dimension::Way::up ? d.hi : d.lo;
}

bool same(const Alternative& a, const Alternative& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const GoalChange& x, const GoalChange& y) {
                      return x.what == y.what && x.value == y.value;
                    });
}

void add(std::vector<Alternative>& out, Alternative alternative) {
  std::sort(alternative.begin(), alternative.end(),
            [](const GoalChange& x, const GoalChange& y) { return x.what < y.what; });
  if (std::none_of(out.begin(), out.end(),
                   [&](const Alternative& known) { return same(known, alternative); })) {
    out.push_back(std::move(alternative));
  }
}

// Single changes first; where none is enough, pairs: the second change found with the first at
// its most lenient, then the first brought back as near as the second allows.
std::vector<Alternative> nearest_goals(const PlanRequest& request, const Limits& limits,
                                       BusyTable& table) {
  const std::vector<Dimension> dims = dimensions(request, limits);
  std::vector<Alternative> out;
  for (const Dimension& d : dims) {
    if (const auto value = nearest(request, d, table)) {
      add(out, {GoalChange{d.change, *value, std::nullopt}});
    }
  }
  if (!out.empty()) {
    return out;
  }
  for (const Dimension& a : dims) {
    if (a.way == Dimension::Way::either) {
      continue;
    }
    for (const Dimension& b : dims) {
      if (&a == &b) {
        continue;
      }
      const auto b_value = nearest(with(request, a, most_lenient(a)), b, table);
      if (!b_value) {
        continue;
      }
      const auto a_value = nearest(with(request, b, *b_value), a, table);
      if (a_value) {
        add(out, {GoalChange{a.change, *a_value, std::nullopt},
                  GoalChange{b.change, *b_value, std::nullopt}});
      }
    }
  }
  return out;
}

// The soonest the post-loss probe and the detection can come, at the latest, over every intvl
// with the given values kept and time as short as allowed: what an idle goal is short of.
std::vector<Shortfall> idle_shortfalls(const PlanRequest& request, const Limits& limits) {
  const Pins& pins = request.pins;
  const std::int64_t time = pins[index_of(Key::time)].value_or(api_range(Key::time).min);
  std::optional<std::pair<std::int64_t, std::int64_t>> best_probe; // latest ms, lost probes
  std::optional<std::int64_t> best_detection;
  const Range intvls = api_range(Key::intvl);
  const auto& pinned_intvl = pins[index_of(Key::intvl)];
  for (std::int64_t intvl = pinned_intvl.value_or(intvls.min);
       intvl <= pinned_intvl.value_or(intvls.max); ++intvl) {
    const std::int64_t lost = lost_probes(limits, intvl);
    const std::int64_t probes = pins[index_of(Key::probes)].value_or(lost + 1);
    if (probes - 1 < lost || !api_range(Key::probes).contains(probes)) {
      continue;
    }
    const std::int64_t probe = latest_ms(time + lost * intvl);
    if (!best_probe || probe < best_probe->first) {
      best_probe = {probe, lost};
    }
    const std::int64_t detection = latest_ms(time + probes * intvl);
    best_detection = std::min(best_detection.value_or(detection), detection);
  }
  std::vector<Shortfall> out;
  if (limits.idle && best_probe && best_probe->first >= *limits.idle * 1000) {
    out.push_back(
        {GoalKind::idle_timeout, *limits.idle * 1000, best_probe->first, best_probe->second});
  }
  if (request.goals.detect_within && best_detection &&
      *best_detection > std::min(*request.goals.detect_within, search_cap) * 1000) {
    out.push_back(
        {GoalKind::detect_within, *request.goals.detect_within * 1000, *best_detection, 0});
  }
  return out;
}

BusyShortfall busy_shortfall(const PlanRequest& request, const Limits& limits, BusyTable& table) {
  BusyShortfall out;
  out.detect_ms = request.goals.detect_within.value_or(0) * 1000;
  out.outage_ms = limits.outage * 1000;
  if (request.goals.detect_within) {
    out.within_detection = table.largest_within(out.detect_ms);
    if (out.within_detection) {
      out.within_survives_ms = table.range(*out.within_detection).survives_ms;
    }
  }
  out.surviving = table.smallest_surviving(out.outage_ms);
  if (out.surviving) {
    out.surviving_latest_ms = table.range(*out.surviving).latest_ms;
  }
  if (const auto& given = request.pins[index_of(Key::retries2)]) {
    // A given value: what it gives, against both goals.
    const BusyRange& range = table.range(*given);
    out.within_detection = *given;
    out.within_survives_ms = range.survives_ms;
    out.surviving = *given;
    out.surviving_latest_ms = range.latest_ms;
  }
  return out;
}
} // namespace

Infeasible diagnose(const PlanRequest& request, BusyTable& table) {
  const Limits limits = limits_of(request);
  Infeasible out;
  out.loss_tolerance = limits.tolerance;
  out.survive_outage = limits.outage;
  for (const IdleTimeout& idle : request.goals.idle_timeouts) {
    if (!idle.keepalive_resets()) {
      // No sysctl helps; only without that middlebox can the rest be looked at.
      out.conflict = Conflict::keepalive_ignored;
      out.ignoring = idle;
      out.nearest.push_back({GoalChange{Adjust::drop_idle_timeout, idle.seconds, idle}});
      return out;
    }
  }
  const auto& pinned_probes = request.pins[index_of(Key::probes)];
  if (pinned_probes && *pinned_probes - 1 < limits.tolerance) {
    out.conflict = Conflict::probes_below_tolerance;
    out.probes = *pinned_probes;
  } else if (!solve_idle(limits, request.pins)) {
    out.conflict = Conflict::idle_half;
    out.shortfalls = idle_shortfalls(request, limits);
  } else {
    out.conflict = Conflict::busy_half;
    out.busy = busy_shortfall(request, limits, table);
    out.busy->user_timeout_ms =
        user_timeout_for(request, limits, *solve_idle(limits, request.pins));
  }
  out.nearest = nearest_goals(request, limits, table);
  return out;
}

} // namespace kaltune::plan_detail
