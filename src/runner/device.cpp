#include "device.hpp"

#include "driver_info.hpp"
#include "log/log.hpp"
#include "util/errors.hpp"

#include <ATen/Context.h>
#include <fstream>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>
#include <unistd.h>

#ifdef EPOCHCOST_HAS_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

namespace epochcost::runner {
namespace {

constexpr const char* gpu_support_doc = "docs/gpu-support.md";

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

// Why torch sees no CUDA device, as far as it can be told from here.
std::string why_no_cuda() {
#ifndef EPOCHCOST_HAS_CUDA
  return "this epochcost was built against a LibTorch without CUDA support";
#else
  const auto driver_cuda = driver_cuda_version();
  if (!driver_cuda) return "no NVIDIA driver is installed (libcuda.so.1 not found)";
  const int needed = CUDART_VERSION;
  if (*driver_cuda < needed) {
    return "the NVIDIA driver supports CUDA " + cuda_version_string(*driver_cuda) +
           " but this LibTorch needs CUDA " + cuda_version_string(needed) +
           " (driver ≥ 580 for CUDA 13); update the driver or build against a matching torch "
           "(see " +
           std::string(gpu_support_doc) + ")";
  }
  return "the driver (CUDA " + cuda_version_string(*driver_cuda) +
         ") reports no usable GPU (check CUDA_VISIBLE_DEVICES and nvidia-smi)";
#endif
}

measure::DeviceInfo base_info() {
  measure::DeviceInfo info;
  info.torch_version = TORCH_VERSION;
  info.cpu_threads = torch::get_num_threads();
  info.driver_version = nvidia_driver_version();
  return info;
}

#ifdef EPOCHCOST_HAS_CUDA
ResolvedDevice cuda_device(int index) {
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (index < 0) index = 0;
  if (index >= count) {
    throw InputError("device: cuda:" + std::to_string(index) + " requested, but only " +
                     std::to_string(count) + " CUDA device(s) are visible");
  }
  ResolvedDevice resolved;
  resolved.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  resolved.info = base_info();
  const cudaDeviceProp* props = at::cuda::getDeviceProperties(index);
  resolved.info.device = "cuda:" + std::to_string(index);
  resolved.info.device_name = props->name;
  resolved.info.memory_bytes = static_cast<std::int64_t>(props->totalGlobalMem);
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) {
    resolved.info.cuda_version = cuda_version_string(runtime);
  }
  if (!resolved.info.driver_version) {
    if (const auto v = driver_cuda_version()) {
      resolved.info.driver_version = "CUDA " + cuda_version_string(*v) + " driver";
    }
  }
  at::cuda::set_device(static_cast<c10::DeviceIndex>(index));
  try {
    // A kernel launch proves the build has code for this architecture.
    (void)torch::ones({8}, resolved.device).mul(2).sum().item<float>();
  } catch (const c10::Error& e) {
    const std::string sm = std::to_string(props->major) + std::to_string(props->minor);
    throw RuntimeFailure("device " + resolved.info.device + " (" + props->name +
                         ", compute capability " + std::to_string(props->major) + "." +
                         std::to_string(props->minor) + ") cannot be driven by this LibTorch " +
                         "build (no kernels for sm_" + sm + "?): " + e.what_without_backtrace() +
                         "\nThe PyPI torch 2.11 wheel is a CUDA 13 build without Volta (V100) "
                         "kernels; see " +
                         gpu_support_doc + " for the build such a GPU needs.");
  }
  return resolved;
}
#endif

ResolvedDevice cpu_device() {
  ResolvedDevice resolved;
  resolved.info = base_info();
  resolved.info.device = "cpu";
  resolved.info.device_name = cpu_model_name();
  resolved.info.memory_bytes =
      static_cast<std::int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGE_SIZE);
  return resolved;
}

} // namespace

ResolvedDevice resolve_device(const config::DeviceSpec& spec) {
  using Kind = config::DeviceSpec::Kind;
  if (spec.kind == Kind::cpu) return cpu_device();
  const bool available = torch::cuda::is_available();
  if (spec.kind == Kind::automatic && !available) {
    log::info("device: auto — no CUDA device (" + why_no_cuda() + "); measuring on the CPU");
    return cpu_device();
  }
  if (!available) {
    throw InputError("device: " + spec.to_string() + " requested, but " + why_no_cuda());
  }
#ifdef EPOCHCOST_HAS_CUDA
  return cuda_device(spec.index);
#else
  return cpu_device(); // unreachable: without CUDA support is_available() is false
#endif
}

void reset_memory_peaks(const torch::Device& device) {
#ifdef EPOCHCOST_HAS_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#else
  (void)device;
#endif
}

void release_cached_memory(const torch::Device& device) {
#ifdef EPOCHCOST_HAS_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::emptyCache();
#else
  (void)device;
#endif
}

std::optional<MemoryPeaks> memory_peaks(const torch::Device& device) {
#ifdef EPOCHCOST_HAS_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    // Index 0 is the aggregate over the small and large pools.
    return MemoryPeaks{stats.allocated_bytes[0].peak, stats.reserved_bytes[0].peak};
  }
#else
  (void)device;
#endif
  return std::nullopt;
}

void apply_math_mode(config::Precision precision) {
  const bool tf32 = precision == config::Precision::tf32;
  auto& context = at::globalContext();
  context.setAllowTF32CuBLAS(tf32);
  context.setAllowTF32CuDNN(tf32);
}

bool is_memory_exhaustion(const c10::Error& error) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&error)) return true;
  const std::string what = error.what_without_backtrace();
  // cuDNN 9 names its failed allocations
  // CUDNN_STATUS_INTERNAL_ERROR_{HOST,DEVICE}_ALLOCATION_FAILED (cudnn_graph.h);
  // CUDNN_STATUS_ALLOC_FAILED is its deprecated alias, as cuBLAS's own.
  for (const char* sign :
       {"DefaultCPUAllocator", "out of memory", "ALLOC_FAILED", "ALLOCATION_FAILED"}) {
    if (what.find(sign) != std::string::npos) return true;
  }
  return false;
}

} // namespace epochcost::runner
