#pragma once
#include "hardware/gpu_specs.hpp"
#include "report/reporter.hpp"

#include <string>
#include <vector>

namespace epochcost::report {

// `epochcost gpus`: the spec table. JSON is a bare list of
// {"name","memory_gb","bandwidth_gbs","peak_tflops":{"fp32","tf32","fp16","bf16"},"tdp_w","source",
//  "unverified"}; CSV one row per GPU.
[[nodiscard]] std::string render_gpus(const std::vector<hardware::GpuSpec>& gpus, Format format);

} // namespace epochcost::report
