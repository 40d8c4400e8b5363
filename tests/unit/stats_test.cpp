#include "stats/stopping_criterion.hpp"
#include "stats/summary.hpp"

#include <cmath>
#include <gtest/gtest.h>
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

TEST(StudentT, TableAndExpansionAgree) {
  EXPECT_DOUBLE_EQ(student_t_975(1), 12.7062);
  EXPECT_DOUBLE_EQ(student_t_975(30), 2.0423);
  EXPECT_NEAR(student_t_975(31), 2.0395, 2e-4);
  EXPECT_NEAR(student_t_975(60), 2.0003, 2e-4);
  EXPECT_NEAR(student_t_975(120), 1.9799, 2e-4);
  EXPECT_NEAR(student_t_975(1000000), 1.95996, 1e-4);
  EXPECT_TRUE(std::isnan(student_t_975(0)));
}

TEST(RunningMoments, MatchesTwoPassFormulas) {
  RunningMoments m;
  const std::vector<double> xs = {1e-3, 1.1e-3, 0.9e-3, 1.05e-3};
  for (double x : xs)
    m.add(x);
  const Summary s = summarize(xs);
  EXPECT_NEAR(m.mean(), s.mean, 1e-18);
  EXPECT_NEAR(std::sqrt(m.variance()), s.stddev, 1e-15);
  EXPECT_TRUE(std::isinf(RunningMoments{}.ci95_half_width_pct()));
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

TEST(StoppingCriterion, NoisySeriesRunsToMaxStepsAndSaysSo) {
  StoppingCriterion c({10, 0.5, 100, 30.0, 1.0});
  for (int i = 0; i < 100; ++i)
    c.add_measurement(i % 2 == 0 ? 0.001 : 0.1);
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
  // Alternating ±5% around 1 ms: the CI shrinks like 1/sqrt(n) until it meets the 1% target.
  StoppingCriterion c(settings());
  int n = 0;
  while (!c.is_stable(1.0) && n < 1000)
    c.add_measurement(++n % 2 ? 1.05e-3 : 0.95e-3);
  EXPECT_TRUE(c.is_stable(1.0));
  EXPECT_GT(n, 10);
  EXPECT_LT(n, 200);
}

} // namespace
} // namespace epochcost::stats
