#include "cost/cost_model.hpp"
#include "util/errors.hpp"

#include <cmath>
#include <gtest/gtest.h>

namespace epochcost::cost {
namespace {

config::PricingSpec priced(const char* currency, config::PriceUnit unit, double amount,
                           std::int64_t gpus, std::int64_t gpus_per_instance) {
  config::PricingSpec pricing;
  pricing.currency = currency;
  pricing.unit = unit;
  pricing.amount = amount;
  pricing.gpus = gpus;
  pricing.gpus_per_instance = gpus_per_instance;
  return pricing;
}

config::Config linear_regression_pricing() {
  config::Config c;
  c.data = {10000, 32, false};
  c.pricing = priced("USD", config::PriceUnit::gpu_hour, 2.49, 1, 0);
  return c;
}

// Worked example (a) of the source article: 10000 samples, B = 32, T_batch = 0.1 s, 2.49 USD/h.
TEST(CostModel, OneGpuWorkedExample) {
  const config::Config c = linear_regression_pricing();
  const std::int64_t batches = config::steps_per_epoch(c.data, 1);
  EXPECT_EQ(batches, 313);
  const auto step = job_step_time(0.1, std::nullopt, 1, c);
  EXPECT_FALSE(step.scaled);
  const EpochTime epoch = epoch_time(batches, step);
  EXPECT_NEAR(epoch.seconds, 31.3, 1e-12);
  const CostBreakdown cost = price_epoch(epoch, c);
  // The one-GPU form: ceil(D/B) · T_batch / 3600 · P_hour.
  const double one_gpu_form = std::ceil(10000.0 / 32.0) * 0.1 / 3600.0 * 2.49;
  EXPECT_DOUBLE_EQ(cost.per_epoch, one_gpu_form);
  EXPECT_NEAR(cost.per_epoch, 0.021649166666666667, 1e-15);
  EXPECT_EQ(cost.currency, "USD");
  EXPECT_DOUBLE_EQ(cost.total, cost.per_epoch);
}

// Worked example (b): 1.5 h/epoch, 20 CNY per GPU-hour, 4 GPUs, storage 2 + ops 1 CNY per epoch.
TEST(CostModel, GeneralFormWorkedExample) {
  config::Config c;
  c.data = {100000, 8, false};
  c.pricing = priced("CNY", config::PriceUnit::gpu_hour, 20.0, 4, 0);
  c.extra_costs = {2.0, 1.0};
  c.epochs = 10;
  const CostBreakdown cost =
      price_epoch({config::steps_per_epoch(c.data, 4), 1.5 * 3600, std::nullopt}, c);
  EXPECT_DOUBLE_EQ(cost.compute_per_epoch, 120.0);
  EXPECT_DOUBLE_EQ(cost.storage_transfer_per_epoch, 2.0);
  EXPECT_DOUBLE_EQ(cost.ops_per_epoch, 1.0);
  EXPECT_DOUBLE_EQ(cost.per_epoch, 123.0);
  EXPECT_DOUBLE_EQ(cost.total, 1230.0);
  EXPECT_EQ(cost.billed_units, 4);
}

TEST(CostModel, StepsCountDataParallelDevices) {
  const config::DataSpec data{10000, 32, false};
  EXPECT_EQ(config::steps_per_epoch(data, 4), 79); // ceil(10000 / 128)
  EXPECT_EQ(config::steps_per_epoch({10000, 32, true}, 4), 78);
  EXPECT_EQ(config::steps_per_epoch({10000, 32, true}, 1), 312);
  // Gradient accumulation: an optimizer step takes 4 micro-batches of 32 per device.
  EXPECT_EQ(config::steps_per_epoch({10000, 32, false}, 1, 4), 79);
  EXPECT_EQ(config::steps_per_epoch({10000, 32, false}, 2, 4), 40);
}

TEST(CostModel, EpochWithoutAStepIsAnInputError) {
  EXPECT_THROW((void)config::steps_per_epoch({10, 32, true}, 1), InputError);
  EXPECT_EQ(config::steps_per_epoch({10, 32, false}, 1), 1);
}

TEST(CostModel, InstancePricingBillsWholeInstances) {
  config::PricingSpec pricing = priced("USD", config::PriceUnit::instance_hour, 32.0, 6, 4);
  EXPECT_EQ(billed_units(pricing), 2);
  EXPECT_DOUBLE_EQ(compute_cost(0.5, pricing), 32.0);
  pricing.gpus = 8;
  EXPECT_EQ(billed_units(pricing), 2);
  pricing.gpus = 9;
  EXPECT_EQ(billed_units(pricing), 3);
}

TEST(CostModel, MoreBilledDevicesThanMeasuredScalesByEfficiency) {
  config::Config c = linear_regression_pricing();
  c.pricing.gpus = 4;
  c.parallel.scaling_efficiency = 0.8;
  const auto step = job_step_time(0.1, std::array<double, 2>{0.09, 0.11}, 1, c);
  EXPECT_TRUE(step.scaled);
  EXPECT_DOUBLE_EQ(step.t_batch_s, 0.125);
  EXPECT_DOUBLE_EQ((*step.ci95_s)[0], 0.1125);
  EXPECT_DOUBLE_EQ((*step.ci95_s)[1], 0.1375);
  // Measured on as many devices as billed: the measurement stands as it is.
  EXPECT_FALSE(job_step_time(0.1, std::nullopt, 4, c).scaled);
}

TEST(CostModel, ConfidenceIntervalCarriesIntoTheCost) {
  config::Config c = linear_regression_pricing();
  c.extra_costs = {0.5, 0.25};
  const auto step = job_step_time(0.1, std::array<double, 2>{0.09, 0.12}, 1, c);
  const CostBreakdown cost = price_epoch(epoch_time(313, step), c);
  ASSERT_TRUE(cost.per_epoch_ci95.has_value());
  EXPECT_DOUBLE_EQ((*cost.per_epoch_ci95)[0], 313 * 0.09 / 3600 * 2.49 + 0.75);
  EXPECT_DOUBLE_EQ((*cost.per_epoch_ci95)[1], 313 * 0.12 / 3600 * 2.49 + 0.75);
  EXPECT_LT((*cost.per_epoch_ci95)[0], cost.per_epoch);
  EXPECT_GT((*cost.per_epoch_ci95)[1], cost.per_epoch);
}

// Worked example (b) as a whole run: 10 min provisioning, 2 min eval + 1 min checkpoints per
// epoch, whole hours billed with a one-hour minimum.
config::Config whole_run_example() {
  config::Config c;
  c.data = {52002, 4, false};
  c.pricing = priced("CNY", config::PriceUnit::gpu_hour, 20.0, 4, 0);
  c.extra_costs = {2.0, 1.0};
  c.job = {.provisioning_s = 600,
           .billing = config::Billing::per_hour,
           .minimum_billed_s = 3600,
           .eval_s_per_epoch = 120,
           .checkpoint_s_per_epoch = 60};
  c.epochs = 10;
  return c;
}

TEST(CostModel, WholeRunAddsEvalCheckpointsProvisioningAndBillingRounding) {
  const config::Config c = whole_run_example();
  const CostBreakdown cost =
      price_epoch({config::steps_per_epoch(c.data, 4), 5400, std::nullopt}, c);
  EXPECT_DOUBLE_EQ(cost.compute_per_epoch, 120.0);
  EXPECT_DOUBLE_EQ(cost.eval_checkpoint_per_epoch, 180.0 / 3600 * 80); // 4 CNY
  EXPECT_DOUBLE_EQ(cost.per_epoch, 127.0);
  EXPECT_DOUBLE_EQ(cost.epoch_wall_s, 5580);
  EXPECT_DOUBLE_EQ(cost.job_wall_s, 600 + 10 * 5580.0); // 15.67 h
  EXPECT_DOUBLE_EQ(cost.job_billed_s, 16 * 3600.0);
  EXPECT_DOUBLE_EQ(cost.total, 16 * 80.0 + 10 * 3.0); // 1310 CNY
  EXPECT_DOUBLE_EQ(cost.fixed_per_run, 1310.0 - 1270.0);
}

TEST(CostModel, BillingRoundsUpToTheIncrementAndTheMinimum) {
  config::JobSpec job;
  EXPECT_DOUBLE_EQ(billed_seconds(31.3, job), 31.3);
  job.billing = config::Billing::per_second;
  EXPECT_DOUBLE_EQ(billed_seconds(31.3, job), 32);
  job.billing = config::Billing::per_minute;
  EXPECT_DOUBLE_EQ(billed_seconds(61, job), 120);
  EXPECT_DOUBLE_EQ(billed_seconds(120, job), 120);
  job.billing = config::Billing::per_hour;
  // 1.5 h × 10 computed in floating point is a whole number of hours and stays 15 h.
  EXPECT_DOUBLE_EQ(billed_seconds(1.5 * 3600 * 10, job), 15 * 3600.0);
  EXPECT_DOUBLE_EQ(billed_seconds(3600.5, job), 7200);
  // 2.88 µs past the hour is past it: rounding noise is a few ulps, not microseconds.
  EXPECT_DOUBLE_EQ(billed_seconds(3600.00000288, job), 7200);
  EXPECT_DOUBLE_EQ(billed_seconds(0.1 * 36000, job), 3600); // 3600.0000000000005
  job.minimum_billed_s = 4 * 3600;
  EXPECT_DOUBLE_EQ(billed_seconds(10, job), 4 * 3600.0);
}

TEST(CostModel, SpotPaysForRestartsAndLostWork) {
  config::Config c = linear_regression_pricing();
  c.pricing.spot = config::SpotSpec{0.1, 600, 1800};
  // 0.1 interruptions per hour, each costing 600 s of restart and 900 s of lost work on average.
  const double share = 0.1 / 3600 * (600 + 900);
  const double factor = 1 + share;
  EXPECT_DOUBLE_EQ(spot_overhead_share(c.pricing), share);
  const CostBreakdown cost = price_epoch({313, 3600, std::array<double, 2>{3500, 3700}}, c);
  EXPECT_DOUBLE_EQ(cost.compute_per_epoch, 2.49);
  EXPECT_DOUBLE_EQ(cost.spot_overhead_per_epoch, 2.49 * share);
  EXPECT_NEAR(cost.per_epoch, 2.49 * factor, 1e-12);
  EXPECT_NEAR((*cost.per_epoch_ci95)[1], 3700.0 / 3600 * 2.49 * factor, 1e-12);
  c.pricing.spot.reset();
  EXPECT_EQ(spot_overhead_share(c.pricing), 0);
  // On demand the overhead is exactly zero, eval time or not (it was a difference of sums).
  c.job.eval_s_per_epoch = 7.5;
  EXPECT_EQ(price_epoch({313, 31.3, std::nullopt}, c).spot_overhead_per_epoch, 0);
}

TEST(CostModel, BudgetBuysEpochsAfterTheFixedCosts) {
  const config::Config c = whole_run_example();
  const CostBreakdown cost =
      price_epoch({config::steps_per_epoch(c.data, 4), 5400, std::nullopt}, c);
  const Affordable a = affordable(1000, cost, c);
  // 12 billed hours (960 CNY) hold 600 s + E · 5580 s, so E = 42600 / 5580; 13 hours cost 1040.
  EXPECT_NEAR(a.epochs, 42600.0 / 5580, 1e-9);
  EXPECT_EQ(a.full_epochs, 7);
  EXPECT_DOUBLE_EQ(a.full_epochs_cost, 12 * 80.0 + 7 * 3.0);
  EXPECT_DOUBLE_EQ(a.fixed_costs, 80);
  EXPECT_NEAR(a.samples, a.epochs * 52002, 1e-3);
  EXPECT_FALSE(a.tokens.has_value());
  // What a budget is said to buy never costs more than it, at a billing boundary either.
  for (const double budget : {500.0, 960.0 + 7 * 3, 1000.0, 1040.0, 2000.0}) {
    const Affordable bought = affordable(budget, cost, c);
    EXPECT_LE(run_cost(bought.epochs, cost.epoch_wall_s, c), budget) << budget;
  }
  const Affordable nothing = affordable(50, cost, c);
  EXPECT_EQ(nothing.epochs, 0);
  EXPECT_EQ(nothing.full_epochs, 0);
  // A budget of exactly the fixed costs (the first billed hour) buys nothing, not 2e-15 epochs.
  EXPECT_EQ(affordable(80, cost, c).epochs, 0);
  EXPECT_THROW((void)affordable(0, cost, c), InputError);
  EXPECT_THROW((void)affordable(std::nan(""), cost, c), InputError);
  // 1e308 CNY would buy about 8e305 epochs of 5580 s, 4e309 s: more than a double holds.
  // Refused rather than answered from an overflow; 1e300 is still counted.
  EXPECT_THROW((void)affordable(1e308, cost, c), InputError);
  // At that scale the fixed costs vanish: 5580 s at 80 CNY/h plus 3 CNY of extras per epoch.
  EXPECT_NEAR(affordable(1e300, cost, c).epochs / (1e300 / (5580.0 / 3600 * 80 + 3)), 1, 1e-9);
}

} // namespace
} // namespace epochcost::cost
