#pragma once
// NVIDIA driver facts read through dlopen, so they work (or say "none") whether or not a GPU, the
// driver or LibTorch's CUDA support is present. No nvml.h is needed.
#include <optional>
#include <string>

namespace epochcost::runner {

// "580.159.03" from NVML, or nullopt when libnvidia-ml is absent.
[[nodiscard]] std::optional<std::string> nvidia_driver_version();

// The CUDA version the installed driver supports, e.g. 13000 for 13.0, from libcuda; nullopt
// when no driver is installed.
[[nodiscard]] std::optional<int> driver_cuda_version();

[[nodiscard]] std::string cuda_version_string(int version); // 13000 -> "13.0"

} // namespace epochcost::runner
