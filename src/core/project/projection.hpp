#pragma once
// `epochcost project`: a step measured on one GPU carried to GPUs that were not measured. The
// measured phases are split into a compute-bound part (scaled by the dense-peak ratio at the run's
// precision) and a memory-bound part (scaled by the bandwidth ratio); host-side time is kept.
// Every figure here is a projection, never a measurement, and the reporters label it so.
#include "hardware/gpu_specs.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace epochcost::project {

// The measured per-device step, split by the roofline model (seconds; they add up to the step).
struct Split {
  double compute_s = 0; // forward + backward at the share their FLOPs take at peak
  double memory_s = 0;  // the rest of forward + backward, and the whole optimizer phase
  double host_s = 0;    // the data phase: host-side work that a faster GPU does not shorten
  double forward_backward_s = 0;
  double optimizer_s = 0;
  double compute_share = 0; // of forward + backward: t_flops / (t_flops + t_bytes) at peak
};

using hardware::Fit;

// The projected step priced as a job on an instance with the target GPU (project --pricing).
struct ProjectedCost {
  std::string priced_as; // "runpod H100-SXM", or the pricing file
  std::string currency;
  std::int64_t gpus = 1;
  double epoch_s = 0; // of that job: its steps × the projected job step
  std::array<double, 2> epoch_range_s{};
  double per_epoch = 0;
  std::array<double, 2> per_epoch_range{};
};

struct Target {
  std::string gpu;         // the spec-table row
  std::string unsupported; // why nothing is projected (no peak at the precision), else ""
  double peak_tflops = 0;  // at the run's precision
  double bandwidth_gbs = 0;
  double memory_capacity_bytes = 0;
  Fit fit = Fit::fits;
  // Per-device step: the split's point estimate, and the range from scaling forward + backward
  // as all compute or all memory traffic, widened by the measurement's 95% CI.
  double t_batch_s = 0;
  std::array<double, 2> t_batch_range_s{};
  double job_t_batch_s = 0; // divided by the scaling efficiency when the job was scaled
  double epoch_s = 0;
  std::array<double, 2> epoch_range_s{};
  double speedup = 0; // measured step / projected step
  std::optional<ProjectedCost> cost;
  std::string unpriced; // why a projected step has no cost, with --pricing
  // A time is projected only for a GPU that has the precision and can hold the run.
  [[nodiscard]] bool projected() const { return unsupported.empty() && fit != Fit::does_not_fit; }
};

struct Projection {
  std::string file;
  std::string workload; // compare::describe_workload
  std::string source_gpu;
  std::string source_device_name;
  std::string precision;
  double source_peak_tflops = 0;
  double source_bandwidth_gbs = 0;
  double measured_t_batch_s = 0;
  std::optional<std::array<double, 2>> measured_ci95_s;
  std::optional<double> measured_mfu;
  Split split;
  double flops_per_step = 0;
  double bytes_per_step = 0; // forward + backward traffic the compute share is weighed against
  std::int64_t batches = 0;  // optimizer steps per epoch of the job
  std::int64_t devices_measured = 1;
  double scaling_efficiency = 1;
  double memory_needed_bytes = 0;
  bool memory_measured = false; // peak reserved by the CUDA allocator; else the formula's estimate
  std::vector<Target> targets;
  std::vector<std::string> notes;
};

// Bytes that forward + backward of one optimizer step move, at least: weights read three times
// (forward, input gradient, weight gradient) and activations written and read back once per
// micro-batch, gradients written and read once per step.
[[nodiscard]] double forward_backward_bytes(double weights_bytes, double activations_bytes,
                                            double gradients_bytes,
                                            std::int64_t accumulation_steps);

// InputError (naming the file and what is missing) for anything but a CUDA-measured
// epochcost.result/1 on a GPU of the spec table, and for target names not in that table.
[[nodiscard]] Projection project(const nlohmann::json& result, const std::string& file,
                                 const std::vector<std::string>& target_gpus);

} // namespace epochcost::project
