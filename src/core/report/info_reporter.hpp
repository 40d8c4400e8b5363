#pragma once
// `epochcost info`: what the model costs by formula, before anything runs.
#include "config/config.hpp"
#include "hardware/gpu_specs.hpp"
#include "model/analysis.hpp"
#include "report/reporter.hpp"

#include <optional>
#include <string>

namespace epochcost::report {

struct Info {
  config::Config config;
  model::Analysis analysis;
  model::MemoryEstimate memory;
  model::StepFlops flops; // per device: micro-batch × accumulation steps
  // --gpu: the estimate against its memory, and whether it has the config's precision.
  const hardware::GpuSpec* gpu = nullptr;
  std::optional<hardware::Fit> fit;
  std::optional<bool> precision_supported;
};

// JSON: {"schema": "epochcost.info/1", "config", "params": {"total","trainable"},
// "flops": {"per_step","per_sample","per_token"}, "memory": {"estimate_bytes", "estimate": {...},
// "gpu", "gpu_memory_bytes", "fits", "fit"}, "precision_supported", "notes": [...]}; the --gpu
// figures are null without --gpu.
[[nodiscard]] std::string render_info(const Info& info, Format format);

} // namespace epochcost::report
