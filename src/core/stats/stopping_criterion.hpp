#pragma once
#include "stats/summary.hpp"

#include <cstdint>
#include <string>

namespace epochcost::stats {

struct StoppingSettings {
  std::int64_t min_steps = 50;
  double min_seconds = 0.5;
  std::int64_t max_steps = 100000;
  double max_seconds = 30;
  double target_ci_pct = 1.0;
};

// Stop when the 95% CI half-width of the mean step time (batch means, the interval the summary
// reports) is within target_ci_pct of the mean after at least min_steps samples and min_seconds
// of measuring (stable), or when max_steps / max_seconds run out (unstable). min_seconds keeps a
// burst of machine noise, or a slow drift of the clock rate, from deciding a result on a few
// milliseconds of samples. The shape follows nvbench's stopping criteria: add samples, ask
// is_finished, ask why.
class StoppingCriterion {
public:
  explicit StoppingCriterion(StoppingSettings settings) : settings_(settings) {}

  void add_measurement(double seconds) { batch_means_.add(seconds); }
  [[nodiscard]] bool is_stable(double elapsed_s) const;
  [[nodiscard]] bool is_finished(double elapsed_s) const;
  // Which condition ended the measurement, in words, e.g. "max_seconds (30 s) reached with the
  // 95% CI at ±2.31% (target ±1%)".
  [[nodiscard]] std::string reason(double elapsed_s) const;

  [[nodiscard]] std::int64_t count() const { return batch_means_.count(); }
  [[nodiscard]] double mean_s() const { return batch_means_.mean(); }
  [[nodiscard]] double ci95_half_width_pct() const { return batch_means_.ci95_half_width_pct(); }

private:
  StoppingSettings settings_;
  BatchMeans batch_means_; // the interval the summary reports, see BatchMeans
};

} // namespace epochcost::stats
