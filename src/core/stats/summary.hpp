#pragma once
#include <cstdint>
#include <span>
#include <vector>

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
  double ci95_low = 0; // 95% confidence interval of the mean (batch means, Student t)
  double ci95_high = 0;
  // The interval rests on ci95_batches complete batch means of ci95_batch_size consecutive
  // samples each (1: the samples taken as independent).
  std::int64_t ci95_batch_size = 0;
  std::int64_t ci95_batches = 0;
  [[nodiscard]] double ci95_half_width_pct() const; // half-width relative to the mean, in %
  [[nodiscard]] double relative_stddev() const;     // coefficient of variation
};

[[nodiscard]] Summary summarize(std::span<const double> samples);

// Half-width of the 95% prediction interval of the sum of `steps` further samples of the series
// (one real epoch of that many steps) around steps · mean: the uncertainty of the mean (steps ×
// its CI half-width) and the series' own noise over that many steps, added in quadrature. A short
// epoch is itself a noisy sample. The noise is the spread of the sums of consecutive
// non-overlapping runs of `steps` samples when the series holds at least 32 of them (what a
// stretch of that length did, correlation and changes of regime included); for longer epochs
// the long-run variance of the batch means, steps · n · SE². `summary` is summarize(samples).
// NaN where the summary has no interval.
[[nodiscard]] double sum_prediction_half_width(std::span<const double> samples,
                                               const Summary& summary, std::int64_t steps);

// Two-sided 97.5% quantile of Student's t distribution with `degrees_of_freedom`.
[[nodiscard]] double student_t_975(std::int64_t degrees_of_freedom);

// Linear interpolation between closest ranks (the R-7 / NumPy default); `sorted` must be sorted.
[[nodiscard]] double percentile(std::span<const double> sorted, double fraction);

// Running mean and variance (Welford).
class RunningMoments {
public:
  void add(double x);
  [[nodiscard]] std::int64_t count() const { return count_; }
  [[nodiscard]] double mean() const { return mean_; }
  [[nodiscard]] double variance() const; // sample variance; NaN below 2 samples

private:
  std::int64_t count_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

// The 95% CI of the mean of a series whose consecutive samples are correlated, as step times are
// (clock boosts, the allocator, a neighbour on a shared host): non-overlapping batch means with a
// fixed number of batches. Samples fill batches in order; when 2k batches are complete,
// neighbours merge into k batches of twice the size, so the interval always rests on k to 2k
// batch means (k = 32) whose length grows with the series, and memory stays O(k). Below 2k
// samples a batch is one sample: the plain t interval of independent samples. Independent
// samples give the same interval in expectation; correlated ones a wider, honest one (the
// interval of independent samples understates their error by sqrt((1+rho)/(1-rho)) at lag-1
// correlation rho). Streaming, so the stopping criterion and the summary see the same interval.
class BatchMeans {
public:
  static constexpr std::size_t min_batches = 32;

  void add(double x);
  [[nodiscard]] std::int64_t count() const { return moments_.count(); }
  [[nodiscard]] double mean() const { return moments_.mean(); }         // of every sample
  [[nodiscard]] double variance() const { return moments_.variance(); } // of every sample
  [[nodiscard]] std::int64_t batch_size() const { return batch_size_; }
  [[nodiscard]] std::int64_t batches() const { return std::ssize(batch_sums_); }
  // Half-width of the 95% CI of the mean, in the samples' unit; NaN below 2 complete batches.
  [[nodiscard]] double ci95_half_width() const;
  // The same relative to the mean, in %; infinity below 2 complete batches.
  [[nodiscard]] double ci95_half_width_pct() const;

private:
  RunningMoments moments_;
  std::vector<double> batch_sums_; // complete batches, in order
  double open_sum_ = 0;            // the batch being filled
  std::int64_t open_count_ = 0;
  std::int64_t batch_size_ = 1;
};

} // namespace epochcost::stats
