#include "history/history.hpp"

#include <gtest/gtest.h>

namespace epochcost::history {
namespace {

Entry run(double t_batch_s, double ci_half_width_s) {
  Entry e;
  e.workload = "w";
  e.workload_description = "workload";
  e.gpu = "H100";
  e.t_batch_s = t_batch_s;
  e.t_batch_ci95_low = t_batch_s - ci_half_width_s;
  e.t_batch_ci95_high = t_batch_s + ci_half_width_s;
  e.cost_per_epoch = 100 * t_batch_s;
  e.currency = "USD";
  return e;
}

const Finding& step_finding(const CheckReport& report) {
  for (const auto& f : report.findings) {
    if (f.metric == "t_batch_s") return f;
  }
  throw std::logic_error("no t_batch_s finding");
}

TEST(HistoryCheck, SlowerBeyondTheThresholdWithSeparatedIntervalsIsARegression) {
  const auto report =
      check({run(1.00, 0.01), run(1.01, 0.01), run(0.99, 0.01), run(1.10, 0.01)}, 5, 5);
  const Finding& f = step_finding(report);
  EXPECT_TRUE(f.regression);
  EXPECT_NEAR(f.change_pct, 10, 1e-9);
  EXPECT_DOUBLE_EQ(f.baseline_median, 1.00);
  EXPECT_TRUE(report.regressed());
}

TEST(HistoryCheck, OverlappingIntervalsAreNotARegression) {
  // +10% but each measurement is only known to ±15%.
  const auto report =
      check({run(1.00, 0.15), run(1.01, 0.15), run(0.99, 0.15), run(1.10, 0.15)}, 5, 5);
  EXPECT_FALSE(step_finding(report).regression);
  EXPECT_NE(step_finding(report).reason.find("overlap"), std::string::npos);
}

TEST(HistoryCheck, NeedsThreeEarlierRunsAndUsesTheWindow) {
  const auto early = check({run(1.0, 0.01), run(1.0, 0.01), run(2.0, 0.01)}, 5, 5);
  EXPECT_TRUE(early.findings.empty());
  EXPECT_EQ(early.skipped.size(), 1u);
  // The window of 3 sees only the last three earlier runs (2.0), so 2.05 is noise, not +105%.
  const auto windowed = check({run(1.0, 0.01), run(1.0, 0.01), run(1.0, 0.01), run(2.0, 0.01),
                               run(2.0, 0.01), run(2.0, 0.01), run(2.05, 0.01)},
                              5, 3);
  EXPECT_DOUBLE_EQ(step_finding(windowed).baseline_median, 2.0);
  EXPECT_FALSE(step_finding(windowed).regression);
}

} // namespace
} // namespace epochcost::history
