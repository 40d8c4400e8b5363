#pragma once
#include <cstdint>
#include <span>

namespace epochcost::stats {

// Descriptive statistics of a series of durations in seconds. Figures that need more samples than
// were taken are NaN (reported as null), never a made-up zero.
struct Summary {
  std::int64_t count = 0;
  double mean = 0;
  double median = 0;
  double stddev = 0; // sample standard deviation (n - 1)
  double min = 0;
  double max = 0;
  double p05 = 0;
  double p95 = 0;
  double ci95_low = 0; // 95% confidence interval of the mean (Student t)
  double ci95_high = 0;
  [[nodiscard]] double ci95_half_width_pct() const; // half-width relative to the mean, in %
  [[nodiscard]] double relative_stddev() const;     // coefficient of variation
};

[[nodiscard]] Summary summarize(std::span<const double> samples);

// Two-sided 97.5% quantile of Student's t distribution with `degrees_of_freedom`.
[[nodiscard]] double student_t_975(std::int64_t degrees_of_freedom);

// Linear interpolation between closest ranks (the R-7 / NumPy default); `sorted` must be sorted.
[[nodiscard]] double percentile(std::span<const double> sorted, double fraction);

// Running mean and variance (Welford), for stopping decisions without storing a copy.
class RunningMoments {
public:
  void add(double x);
  [[nodiscard]] std::int64_t count() const { return count_; }
  [[nodiscard]] double mean() const { return mean_; }
  [[nodiscard]] double variance() const; // sample variance; NaN below 2 samples
  // Half-width of the 95% CI of the mean relative to the mean, in %; infinity below 2 samples.
  [[nodiscard]] double ci95_half_width_pct() const;

private:
  std::int64_t count_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

} // namespace epochcost::stats
