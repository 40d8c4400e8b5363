#pragma once
#include "compare/compare.hpp"
#include "report/reporter.hpp"

#include <string>

namespace epochcost::report {

// JSON: {"schema": "epochcost.compare/1", "workload", "currency", "baseline", "rows": [{"file",
// "gpu", "measured", "gpus", "precision", "batch_per_device", "accumulation_steps", "t_batch_s",
// "t_batch_ci95_pct", "epoch_s", "epoch_s_ci95", "cost_per_epoch", "cost_per_epoch_ci95", "epochs",
// "total", "cost_per_million_samples", "cost_per_million_tokens", "samples_per_s_per_device",
// "samples_per_s_job", "speedup", "cost_ratio", "cheapest", "fastest", "warnings"}]}.
[[nodiscard]] std::string render_comparison(const compare::Comparison& comparison, Format format);

} // namespace epochcost::report
