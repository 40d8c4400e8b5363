#pragma once
#include "config/config.hpp"
#include "measure/measurement.hpp"

#include <torch/types.h>

namespace epochcost::runner {

struct ResolvedDevice {
  torch::Device device{torch::kCPU};
  measure::DeviceInfo info;
};

// Picks the device the config asks for and proves it can run a kernel. A device that does not
// exist is an InputError; one that this LibTorch build cannot drive (no kernels for its
// architecture, driver too old) is a RuntimeFailure that says what build it needs.
[[nodiscard]] ResolvedDevice resolve_device(const config::DeviceSpec& spec);

// Applies fp32 / tf32 math settings for the device (TF32 is off for fp32, so fp32 means fp32).
void apply_math_mode(config::Precision precision);

} // namespace epochcost::runner
