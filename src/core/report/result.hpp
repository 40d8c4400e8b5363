#pragma once
// Everything a reporter prints, already computed. Reporters format; they never compute.
#include "config/config.hpp"
#include "cost/cost_model.hpp"
#include "measure/measurement.hpp"
#include "model/analysis.hpp"
#include "stats/summary.hpp"

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace epochcost::report {

inline constexpr const char* result_schema = "epochcost.result/1";

// The phases of a step, in the order a step runs them and every report lists them.
inline constexpr std::array<const char*, 4> phase_names{"data", "forward", "backward", "optimizer"};

struct Environment {
  std::optional<std::string> device;
  std::optional<std::string> device_name;
  std::optional<std::string> torch_version;
  std::optional<std::string> cuda_version;
  std::optional<std::string> driver_version;
  std::optional<int> cpu_threads;
  std::optional<std::int64_t> memory_bytes; // of the measured device
  std::string host;
  std::string timestamp; // RFC 3339 UTC
  std::string epochcost_version;
  std::string git_revision;
};

struct TimingResult {
  std::string clock;
  std::int64_t warmup_steps = 0;
  std::int64_t measured_steps = 0;
  bool stable = false;
  std::string stop_reason;
  double measure_wall_s = 0;
  stats::Summary t_batch_s;           // uninstrumented pass
  stats::Summary instrumented_step_s; // the pass the phases come from
  double instrumentation_overhead_pct = 0;
  std::int64_t skipped_steps = 0; // fp16: steps the loss scaler skipped, whole run
  std::int64_t steps_run = 0;     // optimizer steps of the whole run: warmup, timed, epochs, phases
  std::string optimizer_implementation;
  std::vector<std::pair<std::string, stats::Summary>> phases; // data, forward, backward, optimizer
};

struct ValidatedEpoch {
  std::int64_t steps = 0;
  double predicted_seconds = 0;  // steps × measured T_batch on the measured device
  stats::Summary actual_epoch_s; // one sample per real epoch; its mean is "actual_seconds"
  double error_pct = 0;          // (predicted - actual) / actual · 100
  // Where one real epoch of `steps` measured steps should fall 95% of the time
  // (stats::sum_prediction_half_width); absent when the step has no interval.
  std::optional<std::array<double, 2>> pi95_seconds;
  std::optional<std::int64_t> epochs_within_pi95; // real epochs inside pi95_seconds
};

struct EpochResult {
  std::int64_t batches = 0; // optimizer steps of the whole job per epoch
  double seconds = 0;
  std::optional<std::array<double, 2>> seconds_ci95;
  double t_batch_s = 0;              // job step time used
  std::string t_batch_source;        // "measured", "--t-batch", "--t-epoch-hours"
  std::int64_t devices_measured = 0; // 0 when nothing was measured
  std::int64_t devices_billed = 1;
  bool scaled_by_assumption = false;
  double scaling_efficiency = 1.0;
  std::optional<ValidatedEpoch> validated;
};

struct Throughput {
  double samples_per_s = 0; // the whole job (all billed devices)
  double samples_per_s_per_device = 0;
  std::optional<double> tokens_per_s; // language models
  std::optional<double> tokens_per_s_per_device;
};

struct FlopsResult {
  double per_step = 0; // model FLOPs of one optimizer step, per device
  double per_sample = 0;
  std::optional<double> per_token;
  std::optional<double> achieved_tflops; // per device, from the measured step
  std::optional<double> mfu;             // achieved / dense peak of the GPU at this precision
  std::optional<double> peak_tflops;
  std::optional<std::string> gpu_spec; // the spec-table row used for the peak
};

struct MemoryResult {
  std::optional<std::int64_t> peak_allocated_bytes; // CUDA caching allocator
  std::optional<std::int64_t> peak_reserved_bytes;
  model::MemoryEstimate estimate;
};

struct Result {
  std::string command; // "run" | "estimate"
  std::vector<std::string> argv;
  config::Config config;
  Environment environment;
  std::optional<measure::ModelFacts> params;
  std::optional<Throughput> throughput;
  std::optional<FlopsResult> flops;
  std::optional<MemoryResult> memory;
  std::optional<TimingResult> timing;
  EpochResult epoch;
  cost::CostBreakdown cost;
  std::optional<cost::Affordable> budget; // --budget: what the amount buys
  std::vector<std::string> warnings;      // figures that must not be read as they stand
  std::vector<std::string> notes;         // what a reader must know next to the figures
};

} // namespace epochcost::report
