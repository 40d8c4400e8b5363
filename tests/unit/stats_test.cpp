#include "stats/stopping_criterion.hpp"
#include "stats/summary.hpp"

#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <numeric>
#include <random>
#include <span>
#include <vector>

namespace epochcost::stats {
namespace {

TEST(Summary, KnownValues) {
  const std::vector<double> xs = {5, 1, 4, 2, 3};
  const Summary s = summarize(xs);
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 5.0);
  EXPECT_DOUBLE_EQ(s.p05, 1.2); // NumPy: np.percentile([1,2,3,4,5], 5) == 1.2
  EXPECT_DOUBLE_EQ(s.p95, 4.8);
  const double half_width = 2.7764 * std::sqrt(2.5) / std::sqrt(5.0);
  EXPECT_NEAR(s.ci95_low, 3.0 - half_width, 1e-12);
  EXPECT_NEAR(s.ci95_high, 3.0 + half_width, 1e-12);
  EXPECT_NEAR(s.ci95_half_width_pct(), half_width / 3.0 * 100, 1e-9);
}

TEST(Summary, TheIntervalOfADurationStopsAtZero) {
  // Two spread samples: mean 2, t(1) = 12.7062, half-width 12.7062 · √2 / √2 ≈ 12.7.
  const Summary s = summarize(std::vector<double>{1, 3});
  EXPECT_DOUBLE_EQ(s.ci95_low, 0.0);
  EXPECT_NEAR(s.ci95_high, 2.0 + 12.7062, 1e-9);
  EXPECT_NEAR(s.ci95_half_width_pct(), 12.7062 / 2.0 * 100, 1e-9);
}

TEST(Summary, EvenCountMedianInterpolates) {
  const std::vector<double> xs = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(summarize(xs).median, 2.5);
}

TEST(Summary, TooFewSamplesGiveNaNNotZero) {
  const std::vector<double> one = {2.0};
  const Summary s = summarize(one);
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
  EXPECT_TRUE(std::isnan(s.stddev));
  EXPECT_TRUE(std::isnan(s.ci95_low));
  EXPECT_TRUE(std::isnan(summarize(std::vector<double>{}).mean));
}

TEST(StudentT, TableAndExpansionMatchTheQuantiles) {
  // t(0.975, v) to six places, from scipy.stats.t.ppf (SciPy 1.17.1): the table holds four, the
  // expansion beyond 30 degrees of freedom should be far closer.
  const std::vector<double> reference = {
      12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
      2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
      2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
      2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272};
  for (std::size_t v = 1; v <= reference.size(); ++v)
    EXPECT_NEAR(student_t_975(static_cast<std::int64_t>(v)), reference[v - 1], 5.1e-5) << v;
  for (const auto& [v, t] : std::vector<std::pair<std::int64_t, double>>{{31, 2.039513},
                                                                         {40, 2.021075},
                                                                         {60, 2.000298},
                                                                         {120, 1.979930},
                                                                         {1000, 1.962339},
                                                                         {1000000, 1.959966}})
    EXPECT_NEAR(student_t_975(v), t, 2e-6) << v;
  EXPECT_TRUE(std::isnan(student_t_975(0)));
}

TEST(RunningMoments, MatchTheDefinitionsAndStayExactFarFromZero) {
  RunningMoments m;
  for (double x : {1e-3, 1.1e-3, 0.9e-3, 1.05e-3})
    m.add(x);
  // Mean 1.0125e-3; squared deviations (1e-8 units) 0.015625 + 0.765625 + 1.265625 + 0.140625.
  EXPECT_NEAR(m.mean(), 1.0125e-3, 1e-18);
  EXPECT_NEAR(m.variance(), 2.1875e-8 / 3, 1e-21);
  // A large common offset: the sum-of-squares shortcut loses every digit here (1e18 vs 30).
  RunningMoments offset;
  for (double x : {4.0, 7.0, 13.0, 16.0})
    offset.add(1e9 + x);
  EXPECT_DOUBLE_EQ(offset.mean(), 1e9 + 10);
  EXPECT_NEAR(offset.variance(), 30, 1e-6);
}

// x[i] = mean + phi (x[i-1] - mean) + e[i]: a stationary series of known mean whose neighbours
// are correlated (lag-1 correlation phi), as step times on a busy host are.
std::vector<double> ar1_series(std::mt19937_64& rng, std::size_t n, double mean, double phi) {
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> xs(n);
  double deviation = noise(rng) / std::sqrt(1 - phi * phi); // start in the stationary state
  for (auto& x : xs) {
    x = mean + deviation;
    deviation = phi * deviation + noise(rng);
  }
  return xs;
}

// The plain t interval of independent samples, by the two-pass textbook formula (not the code
// under test's running moments).
double independent_half_width(const std::vector<double>& xs) {
  const double n = static_cast<double>(xs.size());
  const double mean = std::accumulate(xs.begin(), xs.end(), 0.0) / n;
  double squares = 0;
  for (double x : xs)
    squares += (x - mean) * (x - mean);
  return student_t_975(std::ssize(xs) - 1) * std::sqrt(squares / (n - 1)) / std::sqrt(n);
}

TEST(BatchMeans, ShortSeriesGetTheIntervalOfIndependentSamples) {
  std::mt19937_64 rng(7);
  const auto xs = ar1_series(rng, 2 * BatchMeans::min_batches - 1, 10.0, 0.5);
  BatchMeans b;
  for (double x : xs)
    b.add(x);
  EXPECT_EQ(b.batch_size(), 1);
  EXPECT_EQ(b.batches(), std::ssize(xs));
  EXPECT_NEAR(b.ci95_half_width(), independent_half_width(xs), 1e-12);
  const Summary s = summarize(xs);
  EXPECT_EQ(s.ci95_batch_size, 1);
  EXPECT_NEAR(s.ci95_high - s.mean, independent_half_width(xs), 1e-12);
}

TEST(BatchMeans, BatchesDoubleAndTheIntervalRestsOnTheirMeans) {
  // 200 samples: merged at 64 (32 batches of 2) and at 128 (32 of 4); then 18 more batches of 4
  // and an open batch of none.
  std::vector<double> xs(200);
  for (std::size_t i = 0; i < xs.size(); ++i)
    xs[i] = 1.0 + 0.01 * double((i * 37) % 11);
  BatchMeans b;
  for (double x : xs)
    b.add(x);
  EXPECT_EQ(b.batch_size(), 4);
  EXPECT_EQ(b.batches(), 50);
  std::vector<double> means;
  for (std::size_t i = 0; i < 200; i += 4)
    means.push_back((xs[i] + xs[i + 1] + xs[i + 2] + xs[i + 3]) / 4);
  const Summary of_means = summarize(means);
  EXPECT_NEAR(b.ci95_half_width(), student_t_975(49) * of_means.stddev / std::sqrt(50.0), 1e-12);
  EXPECT_NEAR(b.mean(), summarize(xs).mean, 1e-12);
  EXPECT_TRUE(std::isinf(BatchMeans{}.ci95_half_width_pct()));
  EXPECT_TRUE(std::isnan(BatchMeans{}.ci95_half_width()));
}

TEST(SumPrediction, LongEpochsUseTheLongRunVarianceOfTheBatchMeans) {
  const std::vector<double> xs = {5, 1, 4, 2, 3};
  const Summary s = summarize(xs);
  const double half_width = s.ci95_high - s.mean;
  // 10 further steps: sqrt(10 · (10 + 5)) half-widths; far more steps than measured: about
  // steps × the half-width of the mean.
  EXPECT_NEAR(sum_prediction_half_width(xs, s, 10), half_width * std::sqrt(150.0), 1e-12);
  EXPECT_NEAR(sum_prediction_half_width(xs, s, 1000000) / (1000000 * half_width), 1.0, 1e-5);
  const std::vector<double> one = {2.0};
  EXPECT_TRUE(std::isnan(sum_prediction_half_width(one, summarize(one), 10)));
}

TEST(SumPrediction, ShortEpochsUseTheSpreadOfRunsOfTheirLength) {
  // 64 runs of 4 steps: sums 10 and 14 alternately (stddev of the sums 2.0159), mean step 3.
  std::vector<double> xs;
  for (int run = 0; run < 64; ++run)
    for (double x : run % 2 ? std::vector<double>{4, 4, 3, 3} : std::vector<double>{2, 3, 3, 2})
      xs.push_back(x);
  const Summary s = summarize(xs);
  const double sums_stddev = std::sqrt(64.0 / 63.0 * 4.0);
  EXPECT_NEAR(sum_prediction_half_width(xs, s, 4),
              std::hypot(4 * (s.ci95_high - s.mean), student_t_975(63) * sums_stddev), 1e-12);
}

// How often one further epoch of `epoch` steps of a correlated series, after `measured` steps
// were summarised, falls inside: the prediction interval, steps × the CI of the mean, and the
// interval from the long-run variance alone.
struct EpochCoverage {
  double prediction = 0, mean_ci = 0, long_run = 0;
};
EpochCoverage epoch_coverage(std::uint64_t seed, int trials, std::size_t measured,
                             std::size_t epoch, double phi) {
  std::mt19937_64 rng(seed);
  int prediction = 0, mean_ci = 0, long_run = 0;
  for (int k = 0; k < trials; ++k) {
    const auto xs = ar1_series(rng, measured + epoch, 50.0, phi);
    const auto past = std::span(xs).first(measured);
    const Summary s = summarize(past);
    double actual = 0;
    for (std::size_t i = measured; i < xs.size(); ++i)
      actual += xs[i];
    const double error = std::abs(actual - double(epoch) * s.mean);
    const double half_width = s.ci95_high - s.mean;
    prediction += error <= sum_prediction_half_width(past, s, std::int64_t(epoch));
    mean_ci += error <= double(epoch) * half_width;
    long_run += error <= half_width * std::sqrt(double(epoch * (epoch + measured)));
  }
  return {double(prediction) / trials, double(mean_ci) / trials, double(long_run) / trials};
}

TEST(SumPrediction, ARealEpochFallsInsideAsOftenAsItShould) {
  // 4096 steps measured, an epoch of the next 313 (fewer than 32 runs of it measured: the
  // long-run variance): inside about 95% of the time; steps × the CI of the mean far less often.
  const EpochCoverage c = epoch_coverage(5, 400, 4096, 313, 0.6);
  EXPECT_GT(c.prediction, 0.9);
  EXPECT_LT(c.prediction, 0.99);
  EXPECT_LT(c.mean_ci, 0.5);
}

TEST(SumPrediction, AnEpochShorterThanTheCorrelationIsNotOverstated) {
  // Correlated over ~100 steps (phi 0.98), an epoch of 50 steps, 640 runs of it measured: the
  // spread of those runs holds the next epoch about 95% of the time, where the long-run variance
  // (valid only for epochs much longer than the correlation) is 1.6 times too wide and would
  // hold it nearly always.
  const EpochCoverage c = epoch_coverage(9, 300, 32000, 50, 0.98);
  EXPECT_GT(c.prediction, 0.9);
  EXPECT_LT(c.prediction, 0.99);
  EXPECT_GT(c.long_run, 0.98);
}

// Coverage of the true mean by the 95% interval over many independent series.
struct Coverage {
  double batch_means = 0;
  double independent = 0;
};
Coverage coverage(double phi, int series, std::size_t length) {
  std::mt19937_64 rng(2026);
  int by_batch_means = 0, by_independent = 0;
  for (int k = 0; k < series; ++k) {
    const auto xs = ar1_series(rng, length, 5.0, phi);
    const Summary s = summarize(xs);
    by_batch_means += s.ci95_low <= 5.0 && 5.0 <= s.ci95_high;
    by_independent += std::abs(s.mean - 5.0) <= independent_half_width(xs);
  }
  return {double(by_batch_means) / series, double(by_independent) / series};
}

TEST(BatchMeans, CorrelatedStepsGetAnIntervalThatCoversTheirMean) {
  // lag-1 correlation 0.8: the interval of independent samples is too narrow by
  // sqrt(1.8 / 0.2) = 3 and covers the mean in P(|Z| < 1.96 / 3) = 49% of the series.
  const Coverage c = coverage(0.8, 400, 4096);
  EXPECT_LT(c.independent, 0.6);
  EXPECT_GT(c.batch_means, 0.9);
  EXPECT_LT(c.batch_means, 0.99);
}

TEST(BatchMeans, IndependentStepsKeepTheirNominalCoverage) {
  const Coverage c = coverage(0.0, 400, 4096);
  EXPECT_GT(c.independent, 0.92);
  EXPECT_GT(c.batch_means, 0.92);
  EXPECT_LT(c.batch_means, 0.98);
}

StoppingSettings settings() {
  return {10, 0.5, 1000, 30.0, 1.0};
}

TEST(StoppingCriterion, ConstantSeriesIsStableAfterMinSteps) {
  StoppingCriterion c(settings());
  for (int i = 0; i < 9; ++i)
    c.add_measurement(0.01);
  EXPECT_FALSE(c.is_finished(1.0)); // the CI is zero, but min_steps is not reached
  c.add_measurement(0.01);
  EXPECT_TRUE(c.is_stable(1.0));
  EXPECT_TRUE(c.is_finished(1.0));
  EXPECT_NE(c.reason(1.0).find("stable"), std::string::npos);
}

TEST(StoppingCriterion, MinSecondsMustPassBeforeStable) {
  StoppingCriterion c(settings());
  for (int i = 0; i < 100; ++i)
    c.add_measurement(0.001);
  EXPECT_FALSE(c.is_stable(0.4));
  EXPECT_FALSE(c.is_finished(0.4));
  EXPECT_TRUE(c.is_stable(0.5));
}

// Uniform in [low, high), from a fixed seed.
std::vector<double> uniform_series(std::size_t n, double low, double high) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(low, high);
  std::vector<double> xs(n);
  for (auto& x : xs)
    x = u(rng);
  return xs;
}

TEST(StoppingCriterion, NoisySeriesRunsToMaxStepsAndSaysSo) {
  StoppingCriterion c({10, 0.5, 100, 30.0, 1.0});
  for (double x : uniform_series(100, 0.001, 0.1))
    c.add_measurement(x);
  EXPECT_FALSE(c.is_stable(1.0));
  EXPECT_TRUE(c.is_finished(1.0));
  EXPECT_NE(c.reason(1.0).find("max_steps (100)"), std::string::npos);
}

TEST(StoppingCriterion, TimeLimitEndsAnUnstableMeasurement) {
  StoppingCriterion c(settings());
  for (int i = 0; i < 20; ++i)
    c.add_measurement(i % 2 == 0 ? 0.001 : 0.1);
  EXPECT_FALSE(c.is_finished(29.9));
  EXPECT_TRUE(c.is_finished(30.0));
  EXPECT_NE(c.reason(30.0).find("max_seconds"), std::string::npos);
}

TEST(StoppingCriterion, TightensWithMoreSamples) {
  // Uniform ±10% around 1 ms (relative stddev 5.77%): the CI shrinks like 1/sqrt(n) and meets the
  // 1% target near n = (1.98 · 5.77)^2 ≈ 130, in the batch-means regime.
  StoppingCriterion c(settings());
  const auto xs = uniform_series(1000, 0.9e-3, 1.1e-3);
  std::size_t n = 0;
  while (!c.is_stable(1.0) && n < xs.size())
    c.add_measurement(xs[n++]);
  EXPECT_TRUE(c.is_stable(1.0));
  EXPECT_GT(n, 64u);
  EXPECT_LT(n, 400u);
}

TEST(StoppingCriterion, DecidesOnTheIntervalTheSummaryReports) {
  // A correlated series meets the target later than the interval of independent samples says.
  std::mt19937_64 rng(3);
  const auto xs = ar1_series(rng, 5000, 100.0, 0.9);
  StoppingCriterion c({10, 0.0, 100000, 30.0, 1.0});
  for (double x : xs)
    c.add_measurement(x);
  const Summary s = summarize(xs);
  EXPECT_NEAR(c.ci95_half_width_pct(), s.ci95_half_width_pct(), 1e-12);
  EXPECT_GT(s.ci95_half_width_pct(), 2.5 * independent_half_width(xs) / s.mean * 100);
}

} // namespace
} // namespace epochcost::stats
