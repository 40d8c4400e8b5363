#include "stats/stopping_criterion.hpp"

#include <sstream>

namespace epochcost::stats {

bool StoppingCriterion::is_stable(double elapsed_s) const {
  return count() >= settings_.min_steps && elapsed_s >= settings_.min_seconds &&
         ci95_half_width_pct() <= settings_.target_ci_pct;
}

bool StoppingCriterion::is_finished(double elapsed_s) const {
  return is_stable(elapsed_s) || count() >= settings_.max_steps ||
         elapsed_s >= settings_.max_seconds;
}

std::string StoppingCriterion::reason(double elapsed_s) const {
  std::ostringstream out;
  out.precision(3);
  const auto ci = [&] {
    std::ostringstream c;
    c.precision(3);
    c << "95% CI of the mean at ±" << ci95_half_width_pct() << "% (target ±"
      << settings_.target_ci_pct << "%) after " << count() << " steps";
    return c.str();
  };
  if (is_stable(elapsed_s)) {
    out << "stable: " << ci();
  } else if (count() >= settings_.max_steps) {
    out << "max_steps (" << settings_.max_steps << ") reached with the " << ci();
  } else if (elapsed_s >= settings_.max_seconds) {
    out << "max_seconds (" << settings_.max_seconds << " s) reached with the " << ci();
  } else {
    out << "not finished: " << ci();
  }
  return out.str();
}

} // namespace epochcost::stats
