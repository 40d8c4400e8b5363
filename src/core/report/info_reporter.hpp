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
  const hardware::GpuSpec* gpu = nullptr; // --gpu: compare the estimate with its memory
};

[[nodiscard]] Info make_info(const config::Config& config, const hardware::GpuSpec* gpu);

// JSON: {"schema": "epochcost.info/1", "config", "params": {"total","trainable"},
// "flops": {"per_step","per_sample","per_token"}, "memory": {"estimate_bytes", "estimate": {...},
// "gpu", "gpu_memory_bytes", "fits"}, "notes": [...]}.
[[nodiscard]] std::string render_info(const Info& info, Format format);

} // namespace epochcost::report
