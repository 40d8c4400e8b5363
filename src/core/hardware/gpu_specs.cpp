#include "hardware/gpu_specs.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <yaml-cpp/yaml.h>

namespace epochcost::hardware {

extern const char* const gpu_table_yaml; // generated from configs/hardware/gpus.yaml

namespace {

std::optional<double> optional_number(const YAML::Node& node) {
  if (!node || node.IsNull()) return std::nullopt;
  return node.as<double>();
}

} // namespace

std::vector<GpuSpec> parse_gpu_table(const std::string& yaml_text) {
  std::vector<GpuSpec> table;
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    for (const auto& row : root["gpus"]) {
      GpuSpec gpu;
      gpu.name = row["name"].as<std::string>();
      for (const auto& m : row["match"])
        gpu.match.push_back(ascii_lower(m.as<std::string>()));
      gpu.memory_gb = row["memory_gb"].as<double>();
      gpu.bandwidth_gbs = row["bandwidth_gbs"].as<double>();
      const YAML::Node peaks = row["peak_tflops"];
      gpu.peak_tflops = {optional_number(peaks["fp32"]), optional_number(peaks["tf32"]),
                         optional_number(peaks["fp16"]), optional_number(peaks["bf16"])};
      gpu.tdp_w = row["tdp_w"].as<double>();
      if (row["unverified"]) {
        for (const auto& u : row["unverified"])
          gpu.unverified.push_back(u.as<std::string>());
      }
      gpu.source = row["source"].as<std::string>();
      table.push_back(std::move(gpu));
    }
  } catch (const YAML::Exception& e) {
    throw std::logic_error(std::string("GPU spec table: ") + e.what());
  }
  return table;
}

const std::vector<GpuSpec>& gpu_specs() {
  static const std::vector<GpuSpec> table = parse_gpu_table(gpu_table_yaml);
  return table;
}

namespace {

// `text` ends with `ending`, which starts it or follows a character that is no letter or digit:
// "nvidia l4" ends with the word "l4", "nvidia l40s" and "nvidia h200 nvl" do not end with "l4"
// or "h200". A variant after the model (NVL, Ti, a memory size) is another card.
bool ends_with_word(const std::string& text, const std::string& ending) {
  if (!text.ends_with(ending)) return false;
  const std::size_t at = text.size() - ending.size();
  return at == 0 || std::isalnum(static_cast<unsigned char>(text[at - 1])) == 0;
}

} // namespace

const GpuSpec* find_gpu(std::string_view device_name) {
  const std::string name = trimmed(ascii_lower(device_name), " ");
  for (const auto& gpu : gpu_specs()) {
    if (ascii_lower(gpu.name) == name) return &gpu; // a row's own name
  }
  const GpuSpec* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& gpu : gpu_specs()) {
    for (const auto& m : gpu.match) {
      if (m.size() > best_length && ends_with_word(name, m)) {
        best = &gpu;
        best_length = m.size();
      }
    }
  }
  return best;
}

NamedGpu gpu_named(std::string_view name) {
  const auto dashed = [](std::string_view text) {
    std::string out = ascii_lower(text);
    std::replace(out.begin(), out.end(), ' ', '-');
    return out;
  };
  const std::string wanted = dashed(name);
  // Every row name contains the empty string: it would read as "could be any of them".
  if (wanted.find_first_not_of('-') == std::string::npos) {
    return {nullptr, "'" + std::string(name) + "' names no GPU (epochcost gpus lists them)"};
  }
  std::vector<const GpuSpec*> candidates;
  for (const auto& gpu : gpu_specs()) {
    const std::string row = dashed(gpu.name);
    if (row == wanted) return {&gpu, ""};
    if (row.find(wanted) != std::string::npos) candidates.push_back(&gpu);
  }
  if (candidates.size() == 1) return {candidates.front(), ""};
  const std::string quoted = "'" + std::string(name) + "'";
  if (candidates.size() > 1) {
    std::string names;
    for (const auto* gpu : candidates)
      names += (names.empty() ? "" : ", ") + gpu->name;
    return {nullptr, quoted + " could be " + names + "; name one"};
  }
  if (const GpuSpec* gpu = find_gpu(name)) return {gpu, ""};
  return {nullptr, quoted + " is not in the GPU spec table (epochcost gpus)"};
}

std::optional<double> peak_tflops(const GpuSpec& gpu, config::Precision precision) {
  switch (precision) {
  case config::Precision::fp32: return gpu.peak_tflops.fp32;
  case config::Precision::tf32: return gpu.peak_tflops.tf32;
  case config::Precision::bf16:
  case config::Precision::bf16_pure: return gpu.peak_tflops.bf16;
  case config::Precision::fp16: return gpu.peak_tflops.fp16;
  }
  return std::nullopt;
}

double memory_capacity_bytes(const GpuSpec& gpu) {
  return gpu.memory_gb * 1e9;
}

Fit memory_fit(double needed_bytes, const GpuSpec& gpu) {
  const double capacity = memory_capacity_bytes(gpu);
  if (needed_bytes > capacity) return Fit::does_not_fit;
  return needed_bytes > tight_memory_share * capacity ? Fit::tight : Fit::fits;
}

const char* to_string(Fit fit) {
  switch (fit) {
  case Fit::fits: return "fits";
  case Fit::tight: return "tight";
  case Fit::does_not_fit: return "does not fit";
  }
  return "fits";
}

} // namespace epochcost::hardware
