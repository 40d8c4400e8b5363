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

// The row named `device_name`, else the row whose longest match occurs in it as whole words
// (case-insensitive), if any.
[[nodiscard]] const GpuSpec* find_gpu(std::string_view device_name);

// The dense peak the precision runs at, in TFLOP/s; nullopt when the GPU has no such mode.
[[nodiscard]] std::optional<double> peak_tflops(const GpuSpec& gpu, config::Precision precision);

// Parses a table in the gpus.yaml format (exposed for tests).
[[nodiscard]] std::vector<GpuSpec> parse_gpu_table(const std::string& yaml_text);

} // namespace epochcost::hardware
