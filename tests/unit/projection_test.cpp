// `project` on a hand-written A100 result whose compute/memory split is known (see
// tests/fixtures/results/README.md): the split, the projected figures, the fit and the refusals.
#include "project/projection.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>

namespace epochcost::project {
namespace {

const std::string fixture_file =
    std::string(EPOCHCOST_SOURCE_DIR) + "/tests/fixtures/results/a100-bf16-split.json";

nlohmann::json fixture() {
  std::ifstream in(fixture_file);
  return nlohmann::json::parse(in);
}

// The fixture's figures, restated: A100 bf16 312 TFLOP/s and 2039 GB/s; step 0.2 s of which
// forward + backward 0.18 s (75% compute-bound at peak), optimizer 0.016 s, data 0.004 s.
constexpr double a100_peak = 312, a100_bandwidth = 2039;
constexpr double forward_backward = 0.18, optimizer = 0.016, data = 0.004;

TEST(Projection, SplitsTheMeasuredStepByItsRooflineShares) {
  const Projection p = project(fixture(), "a100.json", {"A100-SXM4-80GB"});
  EXPECT_EQ(p.source_gpu, "A100-SXM4-80GB");
  EXPECT_DOUBLE_EQ(p.bytes_per_step, 20.39e9);
  EXPECT_NEAR(p.split.compute_share, 0.75, 1e-12);
  EXPECT_NEAR(p.split.compute_s, 0.75 * forward_backward, 1e-12);
  EXPECT_NEAR(p.split.memory_s, 0.25 * forward_backward + optimizer, 1e-12);
  EXPECT_NEAR(p.split.host_s, data, 1e-12);
  // Carried to the GPU it was measured on, the step is the measured one.
  ASSERT_EQ(p.targets.size(), 1u);
  EXPECT_NEAR(p.targets[0].t_batch_s, 0.2, 1e-12);
  EXPECT_NEAR(p.targets[0].speedup, 1, 1e-12);
  EXPECT_NEAR(p.targets[0].t_batch_range_s[0], 0.198, 1e-12);
  EXPECT_NEAR(p.targets[0].t_batch_range_s[1], 0.202, 1e-12);
}

TEST(Projection, ScalesComputeByPeakAndMemoryByBandwidth) {
  const Projection p = project(fixture(), "a100.json", {"H100-SXM5-80GB"});
  const Target& h100 = p.targets.at(0);
  const double compute_ratio = a100_peak / 989.4, memory_ratio = a100_bandwidth / 3350.0;
  const double expected = 0.135 * compute_ratio + 0.061 * memory_ratio + data;
  EXPECT_NEAR(h100.t_batch_s, expected, 1e-12);
  EXPECT_NEAR(h100.t_batch_s, 0.083699, 1e-6);
  EXPECT_NEAR(h100.speedup, 0.2 / expected, 1e-9);
  // The range: forward + backward all compute (low) or all memory traffic (high), ±1% CI.
  const double rest = optimizer * memory_ratio + data;
  EXPECT_NEAR(h100.t_batch_range_s[0], (forward_backward * compute_ratio + rest) * 0.99, 1e-12);
  EXPECT_NEAR(h100.t_batch_range_s[1], (forward_backward * memory_ratio + rest) * 1.01, 1e-12);
  EXPECT_LT(h100.t_batch_range_s[0], h100.t_batch_s);
  EXPECT_GT(h100.t_batch_range_s[1], h100.t_batch_s);
  EXPECT_NEAR(h100.epoch_s, 1000 * expected, 1e-9);
  EXPECT_EQ(h100.fit, Fit::fits);
}

TEST(Projection, WhatCannotFitOrHasNoSuchPrecisionIsSaidSo) {
  auto result = fixture();
  const Projection p = project(result, "a100.json", {"RTX 3090", "V100-SXM2-32GB"});
  EXPECT_EQ(p.targets[0].fit, Fit::does_not_fit); // 70 GB reserved on a 24 GB card
  EXPECT_EQ(p.targets[1].unsupported, "V100-SXM2-32GB has no bf16 mode");
  result["memory"]["peak_reserved_bytes"] = 75e9; // 94% of 80 GB
  EXPECT_EQ(project(result, "a100.json", {"H100-SXM5-80GB"}).targets[0].fit, Fit::tight);
  // Without a measured CUDA peak the formula's estimate decides, and a note says so.
  result["memory"]["peak_reserved_bytes"] = nullptr;
  const Projection estimated = project(result, "a100.json", {"RTX 3090"});
  EXPECT_FALSE(estimated.memory_measured);
  EXPECT_DOUBLE_EQ(estimated.memory_needed_bytes, 13.585e9);
  EXPECT_EQ(estimated.targets[0].fit, Fit::fits);
}

TEST(Projection, PhaseSharesAreTakenOfTheirSum) {
  // Phases that cover only half the instrumented step still share the whole measured step.
  auto result = fixture();
  for (auto& [name, phase] : result["timing"]["phases"].items()) {
    for (const char* figure : {"mean", "ci95_low", "ci95_high"})
      phase[figure] = phase[figure].get<double>() / 2;
  }
  const Projection p = project(result, "a100.json", {"A100-SXM4-80GB"});
  EXPECT_NEAR(p.split.compute_s + p.split.memory_s + p.split.host_s, 0.2, 1e-12);
  EXPECT_NEAR(p.split.host_s, data, 1e-12);
}

TEST(Projection, ScaledJobsKeepTheirScalingEfficiency) {
  auto result = fixture();
  result["epoch"]["scaled_by_assumption"] = true;
  result["epoch"]["scaling_efficiency"] = 0.8;
  const Target t = project(result, "a100.json", {"A100-SXM4-80GB"}).targets.at(0);
  EXPECT_NEAR(t.job_t_batch_s, 0.2 / 0.8, 1e-12);
  EXPECT_NEAR(t.epoch_s, 1000 * 0.2 / 0.8, 1e-9);
}

void expect_refused(const nlohmann::json& result, const std::vector<std::string>& to,
                    const std::string& message) {
  try {
    (void)project(result, "r.json", to);
    ADD_FAILURE() << "accepted; expected: " << message;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(Projection, RefusesWhatItCannotProjectNamingWhy) {
  expect_refused(fixture(), {"H200", "B300"}, "--to: 'B300' is not in the GPU spec table");
  expect_refused(fixture(), {"H100"}, "--to: 'H100' could be H100-SXM5-80GB, H100-PCIe-80GB");
  expect_refused(fixture(), {}, "--to: name at least one GPU");
  auto cpu = fixture();
  cpu["environment"]["device"] = "cpu";
  cpu["environment"]["device_name"] = "AMD EPYC";
  expect_refused(cpu, {"H200"}, "r.json: measured on cpu (AMD EPYC)");
  auto estimate = fixture();
  estimate.erase("timing");
  estimate["command"] = "estimate";
  expect_refused(estimate, {"H200"}, "r.json: an estimate, not a measurement");
  auto unknown = fixture();
  unknown["environment"]["device_name"] = "NVIDIA Voodoo 5";
  expect_refused(unknown, {"H200"}, "'NVIDIA Voodoo 5' is not in the GPU spec table");
  auto partial = fixture();
  partial["timing"]["phases"].erase("optimizer");
  expect_refused(
      partial, {"H200"},
      "r.json: the result has no timing.phases.optimizer (so no timing.phases.optimizer.mean)");
  auto zero = fixture();
  zero["timing"]["t_batch_s"]["mean"] = 0;
  expect_refused(zero, {"H200"},
                 "r.json: timing.t_batch_s.mean: must be a finite number > 0, got 0");
  auto typed = fixture();
  typed["config"]["train"]["accumulation_steps"] = "2";
  expect_refused(typed, {"H200"}, "r.json: config.train.accumulation_steps is not an integer");
  expect_refused(nlohmann::json{{"a", 1}}, {"H200"}, "not an epochcost result");
}

TEST(Projection, RefusesFiguresOutOfRangeNamingTheKey) {
  // Each was projected before: a negative epoch, a split by a zero phase, a range from an
  // inverted interval, a fit against negative memory.
  const std::vector<std::pair<std::string, nlohmann::json>> damaged = {
      {"/epoch/batches", -5},
      {"/timing/phases/forward/mean", 0},
      {"/flops/per_step", 0},
      {"/memory/peak_reserved_bytes", -1},
      {"/timing/t_batch_s/ci95_low", 0.3},
      {"/epoch/scaling_efficiency", 0},
  };
  for (const auto& [pointer, value] : damaged) {
    auto result = fixture();
    result[nlohmann::json::json_pointer(pointer)] = value;
    if (pointer == "/epoch/scaling_efficiency") result["epoch"]["scaled_by_assumption"] = true;
    std::string key = pointer.substr(1);
    std::replace(key.begin(), key.end(), '/', '.');
    if (key.ends_with(".ci95_low")) key = "timing.t_batch_s: the low end";
    expect_refused(result, {"H200"}, "r.json: " + key);
  }
}

} // namespace
} // namespace epochcost::project
