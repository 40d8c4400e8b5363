#pragma once
// The seam between the LibTorch runner (a plugin that only `run` loads) and the LibTorch-free
// rest: what the runner is asked to do and the raw samples it returns. Statistics, epoch and cost
// are computed from these samples in the core, never in the runner.
#include "config/config.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace epochcost::measure {

struct DeviceInfo {
  std::string device;      // "cpu", "cuda:0"
  std::string device_name; // "NVIDIA H100 80GB HBM3", CPU model name
  std::string torch_version;
  std::optional<std::string> cuda_version;   // CUDA runtime LibTorch runs on
  std::optional<std::string> driver_version; // NVIDIA driver
  int cpu_threads = 0;                       // intra-op threads LibTorch used
  std::int64_t memory_bytes = 0;             // the device's memory (host RAM for the CPU)
  std::int64_t devices_measured = 1;
};

struct ModelFacts {
  std::int64_t params_total = 0;
  std::int64_t params_trainable = 0;
};

// Per-step samples of the instrumented pass; the phases of step i add up to step_s[i].
struct PhaseSeries {
  std::vector<double> data_s;    // the step's batch made ready on the device
  std::vector<double> forward_s; // forward and loss
  std::vector<double> backward_s;
  std::vector<double> optimizer_s; // step and zero_grad
  std::vector<double> step_s;
};

struct Measurement {
  DeviceInfo device;
  ModelFacts model;
  std::string clock; // "cuda_event" | "steady_clock"
  std::int64_t warmup_steps = 0;
  std::vector<double> step_s; // the pass with step-boundary marks only: T_batch comes from here
  bool stable = false;
  std::string stop_reason;
  double measure_wall_s = 0; // wall time of the uninstrumented pass's windows (not its epochs)
  PhaseSeries phases;
  // --validate-epoch: real epochs interleaved with the uninstrumented pass, each timed between two
  // synchronisations; empty when not asked for.
  std::vector<double> epochs_actual_s;
  std::optional<std::int64_t> peak_allocated_bytes; // CUDA only: the caching allocator's peaks
  std::optional<std::int64_t> peak_reserved_bytes;
  std::int64_t skipped_steps = 0; // fp16: optimizer steps the loss scaler skipped, whole run
  std::int64_t steps_run = 0;     // optimizer steps of the whole run, the skipped ones included
  std::string optimizer_implementation; // "fused", "plain", or why fused fell back
  std::vector<std::string> notes;
};

struct ProgressUpdate {
  const char* stage = ""; // "warmup", "measure", "phases", "epoch"
  std::int64_t steps = 0;
  std::int64_t steps_planned = 0; // 0 when open-ended
  double mean_step_s = 0;
  double ci95_half_width_pct = 0;
  double elapsed_s = 0;
};

struct MeasureRequest {
  const config::Config* config = nullptr;
  bool validate_epoch = false;
  std::function<void(const ProgressUpdate&)> on_progress;
  std::function<int()> pending_signal; // the signal number that asks to stop, or 0
};

// --find-max-batch: real training steps at growing, then bisected batch sizes.
struct BatchTry {
  std::int64_t batch_size = 0;
  bool fits = false;
  std::optional<std::int64_t> peak_reserved_bytes; // when it fits
};
struct BatchSearch {
  DeviceInfo device;
  std::int64_t max_batch_size = 0; // 0: not even one sample fits
  std::vector<BatchTry> tries;
};

// Exported by the runner plugin with C linkage under these names.
using MeasureFunction = Measurement (*)(const MeasureRequest&);
using BatchSearchFunction = BatchSearch (*)(const MeasureRequest&);
inline constexpr const char* runner_entry_symbol = "epochcost_runner_measure_v1";
inline constexpr const char* batch_search_symbol = "epochcost_runner_find_max_batch_v1";

} // namespace epochcost::measure
