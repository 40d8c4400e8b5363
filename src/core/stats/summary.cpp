#include "stats/summary.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace epochcost::stats {
namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}

double student_t_975(std::int64_t degrees_of_freedom) {
  // Exact table for small df (values from any t table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2),
  // then the Cornish-Fisher expansion about z = 1.959964, accurate to < 1e-4 for df > 30.
  static constexpr std::array<double, 30> table = {
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (degrees_of_freedom < 1) return nan;
  if (degrees_of_freedom <= 30) return table[static_cast<std::size_t>(degrees_of_freedom - 1)];
  const double z = 1.959963984540054;
  const double v = static_cast<double>(degrees_of_freedom);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

double percentile(std::span<const double> sorted, double fraction) {
  if (sorted.empty()) return nan;
  const double rank = fraction * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(rank));
  const auto upper = std::min(lower + 1, sorted.size() - 1);
  return sorted[lower] + (rank - static_cast<double>(lower)) * (sorted[upper] - sorted[lower]);
}

double Summary::ci95_half_width_pct() const {
  return (ci95_high - mean) / mean * 100.0; // the upper half: the lower one may be cut at zero
}

double Summary::relative_stddev() const {
  return stddev / mean;
}

Summary summarize(std::span<const double> samples) {
  Summary s;
  s.count = static_cast<std::int64_t>(samples.size());
  if (samples.empty()) {
    s.mean = s.median = s.stddev = s.min = s.max = s.p05 = s.p95 = s.ci95_low = s.ci95_high = nan;
    return s;
  }
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  BatchMeans batch_means;
  for (const double x : samples)
    batch_means.add(x);
  s.mean = batch_means.mean();
  s.stddev = std::sqrt(batch_means.variance());
  s.min = sorted.front();
  s.max = sorted.back();
  s.median = percentile(sorted, 0.5);
  s.p05 = percentile(sorted, 0.05);
  s.p95 = percentile(sorted, 0.95);
  const double half_width = batch_means.ci95_half_width();
  s.ci95_batch_size = batch_means.batch_size();
  s.ci95_batches = batch_means.batches();
  // Durations are not negative: with few, spread samples the t interval would reach below zero.
  s.ci95_low = s.mean - half_width < 0 ? 0.0 : s.mean - half_width; // NaN stays NaN
  s.ci95_high = s.mean + half_width;
  return s;
}

double sum_prediction_half_width(std::span<const double> samples, const Summary& summary,
                                 std::int64_t steps) {
  constexpr std::size_t min_runs = 32;
  const double half_width = summary.ci95_high - summary.mean; // the low end may be cut at zero
  const auto m = static_cast<double>(steps), n = static_cast<double>(summary.count);
  const auto run = static_cast<std::size_t>(steps);
  if (steps < 1 || samples.size() / run < min_runs) return half_width * std::sqrt(m * (m + n));
  RunningMoments sums;
  for (std::size_t start = 0; start + run <= samples.size(); start += run) {
    double sum = 0;
    for (const double x : samples.subspan(start, run))
      sum += x;
    sums.add(sum);
  }
  const double noise = student_t_975(sums.count() - 1) * std::sqrt(sums.variance());
  return std::hypot(m * half_width, noise);
}

void RunningMoments::add(double x) {
  ++count_;
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (x - mean_);
}

double RunningMoments::variance() const {
  return count_ < 2 ? nan : m2_ / static_cast<double>(count_ - 1);
}

void BatchMeans::add(double x) {
  moments_.add(x);
  open_sum_ += x;
  if (++open_count_ < batch_size_) return;
  batch_sums_.push_back(open_sum_);
  open_sum_ = 0;
  open_count_ = 0;
  if (batch_sums_.size() < 2 * min_batches) return;
  for (std::size_t i = 0; i < min_batches; ++i)
    batch_sums_[i] = batch_sums_[2 * i] + batch_sums_[2 * i + 1];
  batch_sums_.resize(min_batches);
  batch_size_ *= 2;
}

double BatchMeans::ci95_half_width() const {
  const std::int64_t batches = this->batches();
  if (batches < 2) return nan;
  RunningMoments means;
  for (const double sum : batch_sums_)
    means.add(sum / static_cast<double>(batch_size_));
  return student_t_975(batches - 1) * std::sqrt(means.variance() / static_cast<double>(batches));
}

double BatchMeans::ci95_half_width_pct() const {
  if (batches() < 2 || mean() <= 0) return std::numeric_limits<double>::infinity();
  return ci95_half_width() / mean() * 100.0;
}

} // namespace epochcost::stats
