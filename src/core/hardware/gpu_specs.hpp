#pragma once
// The project's GPU spec table (configs/hardware/gpus.yaml, embedded at build time): dense peak
// rates per precision, memory and bandwidth, each row with its source. An unknown GPU has no row;
// callers then report null, never a guessed peak.
#include "config/config.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace epochcost::hardware {

struct PeakTflops {
  std::optional<double> fp32; // CUDA cores, no tensor cores
  std::optional<double> tf32;
  std::optional<double> fp16; // tensor cores, FP32 accumulate
  std::optional<double> bf16;
};

struct GpuSpec {
  std::string name;
  std::vector<std::string> match; // lower-case words of the CUDA device name
  double memory_gb = 0;
  double bandwidth_gbs = 0;
  PeakTflops peak_tflops;
  double tdp_w = 0;
  std::vector<std::string> unverified; // figures no primary source confirmed
  std::string source;
};

// The table, parsed once; a malformed embedded table is a build defect and throws std::logic_error.
[[nodiscard]] const std::vector<GpuSpec>& gpu_specs();

// The row named `device_name`, else the row whose longest match ends it as whole words
// (case-insensitive; "NVIDIA H200" but not "NVIDIA H200 NVL"), if any.
[[nodiscard]] const GpuSpec* find_gpu(std::string_view device_name);

// A GPU a person names (a config's pricing.gpu, --gpu, --to): a row by its name, or by a part of a
// name that only one row has ("H200", "RTX 3090"), else as find_gpu matches a CUDA device name.
// A part several rows share ("H100": SXM or PCIe) finds nothing, since their figures differ;
// `problem` then says so with the candidates, or that the name is not in the table.
struct NamedGpu {
  const GpuSpec* gpu = nullptr;
  std::string problem; // "'H100' could be H100-SXM5-80GB, H100-PCIe-80GB; name one"
};
[[nodiscard]] NamedGpu gpu_named(std::string_view name);

// The dense peak the precision runs at, in TFLOP/s; nullopt when the GPU has no such mode.
[[nodiscard]] std::optional<double> peak_tflops(const GpuSpec& gpu, config::Precision precision);

// Whether a job needing `needed_bytes` of device memory fits the GPU: "tight" above
// tight_memory_share of it, which leaves no room for fragmentation or a longer sequence in the
// real data.
enum class Fit { fits, tight, does_not_fit };
inline constexpr double tight_memory_share = 0.9;
[[nodiscard]] Fit memory_fit(double needed_bytes, const GpuSpec& gpu);
[[nodiscard]] const char* to_string(Fit fit); // "fits", "tight", "does not fit"
// In decimal gigabytes: below the usable memory of every listed board, so "fits" errs on the safe
// side by the few percent the CUDA context takes.
[[nodiscard]] double memory_capacity_bytes(const GpuSpec& gpu);

// Parses a table in the gpus.yaml format (exposed for tests).
[[nodiscard]] std::vector<GpuSpec> parse_gpu_table(const std::string& yaml_text);

} // namespace epochcost::hardware
