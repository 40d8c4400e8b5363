#pragma once
#include "config/config.hpp"
#include "measure/measurement.hpp"

#include <c10/util/Exception.h>
#include <cstdint>
#include <optional>
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

struct MemoryPeaks {
  std::int64_t allocated_bytes = 0;
  std::int64_t reserved_bytes = 0;
};
// The CUDA caching allocator's peaks since the last reset; nullopt on the CPU.
void reset_memory_peaks(const torch::Device& device);
[[nodiscard]] std::optional<MemoryPeaks> memory_peaks(const torch::Device& device);
// Returns the caching allocator's free blocks to the driver, so the next try starts clean.
void release_cached_memory(const torch::Device& device);

// Whether a LibTorch error means memory ran out: c10::OutOfMemoryError, the CPU allocator's plain
// c10::Error, and cuDNN's or cuBLAS's own allocations failing near the limit.
[[nodiscard]] bool is_memory_exhaustion(const c10::Error& error);

// Applies fp32 / tf32 math settings for the device (TF32 is off for fp32, so fp32 means fp32).
void apply_math_mode(config::Precision precision);

} // namespace epochcost::runner
