#include "hardware/gpu_specs.hpp"

#include <gtest/gtest.h>

namespace epochcost::hardware {
namespace {

TEST(GpuSpecs, EveryRowIsSourcedAndDense) {
  const auto& table = gpu_specs();
  EXPECT_GE(table.size(), 13u);
  for (const auto& gpu : table) {
    EXPECT_FALSE(gpu.source.empty()) << gpu.name;
    EXPECT_FALSE(gpu.match.empty()) << gpu.name;
    EXPECT_GT(gpu.memory_gb, 0) << gpu.name;
    EXPECT_GT(gpu.bandwidth_gbs, 0) << gpu.name;
    ASSERT_TRUE(gpu.peak_tflops.fp16.has_value()) << gpu.name;
    // Datasheets headline 2:4-sparse rates; a dense fp16 peak above 1000 TFLOP/s is one of those.
    EXPECT_LT(*gpu.peak_tflops.fp16, 1000) << gpu.name;
  }
}

TEST(GpuSpecs, KnownFigures) {
  const GpuSpec* h100 = find_gpu("NVIDIA H100 80GB HBM3");
  ASSERT_NE(h100, nullptr);
  EXPECT_EQ(h100->name, "H100-SXM5-80GB");
  EXPECT_DOUBLE_EQ(*peak_tflops(*h100, config::Precision::bf16), 989.4);
  EXPECT_DOUBLE_EQ(*peak_tflops(*h100, config::Precision::tf32), 494.7);
  const GpuSpec* rtx3090 = find_gpu("NVIDIA GeForce RTX 3090");
  ASSERT_NE(rtx3090, nullptr);
  EXPECT_DOUBLE_EQ(*rtx3090->peak_tflops.fp16, 71); // FP32 accumulate, not 142
  const GpuSpec* v100 = find_gpu("Tesla V100-SXM2-32GB");
  ASSERT_NE(v100, nullptr);
  EXPECT_EQ(v100->name, "V100-SXM2-32GB");
  EXPECT_FALSE(peak_tflops(*v100, config::Precision::bf16).has_value());
}

TEST(GpuSpecs, MostSpecificNameWins) {
  const auto name_of = [](const char* device) {
    const GpuSpec* gpu = find_gpu(device);
    return gpu ? gpu->name : std::string("none");
  };
  EXPECT_EQ(name_of("NVIDIA H100 PCIe"), "H100-PCIe-80GB");
  EXPECT_EQ(name_of("NVIDIA A100-SXM4-40GB"), "A100-SXM4-40GB");
  EXPECT_EQ(name_of("NVIDIA A100-SXM4-80GB"), "A100-SXM4-80GB");
  EXPECT_EQ(name_of("NVIDIA A100 80GB PCIe"), "A100-PCIe-80GB");
  EXPECT_EQ(name_of("NVIDIA A100-PCIE-40GB"), "A100-PCIe-40GB"); // not the 80 GB card
  EXPECT_EQ(name_of("NVIDIA H200"), "H200-SXM-141GB");
  EXPECT_EQ(name_of("NVIDIA L40S"), "L40S");
  EXPECT_EQ(name_of("NVIDIA L4"), "L4");
  EXPECT_EQ(name_of("NVIDIA L40"), "none"); // "l4" is not a word of it
  EXPECT_EQ(name_of("NVIDIA A10G"), "A10G");
  EXPECT_EQ(name_of("NVIDIA GeForce RTX 4090"), "RTX-4090");
  EXPECT_EQ(name_of("AMD Instinct MI300X"), "none"); // unknown: no guessed peak
  // A variant the table lacks is no row's card: its memory or peaks differ.
  EXPECT_EQ(name_of("Tesla V100-SXM2-16GB"), "V100-SXM2-16GB"); // not the 32 GB row
  EXPECT_EQ(name_of("Tesla V100-PCIE-32GB"), "none");           // not the 16 GB PCIe row
  EXPECT_EQ(name_of("NVIDIA H100 NVL"), "none");                // 94 GB, other peaks
  EXPECT_EQ(name_of("NVIDIA H200 NVL"), "none");
  EXPECT_EQ(name_of("NVIDIA GeForce RTX 3090 Ti"), "none");
  EXPECT_EQ(name_of("NVIDIA A100"), "none"); // 40 or 80 GB, SXM or PCIe
}

TEST(GpuSpecs, MemoryFitIsTightAboveNinetyPercent) {
  const GpuSpec& l4 = *gpu_named("L4").gpu; // 24 GB
  EXPECT_EQ(memory_fit(0.90 * 24e9, l4), Fit::fits);
  EXPECT_EQ(memory_fit(0.91 * 24e9, l4), Fit::tight);
  EXPECT_EQ(memory_fit(24e9, l4), Fit::tight);
  EXPECT_EQ(memory_fit(24.1e9, l4), Fit::does_not_fit);
  EXPECT_STREQ(to_string(Fit::does_not_fit), "does not fit");
}

TEST(GpuSpecs, ANamePeopleTypeMustPickOneRow) {
  EXPECT_EQ(gpu_named("H200").gpu->name, "H200-SXM-141GB");
  EXPECT_EQ(gpu_named("rtx 3090").gpu->name, "RTX-3090");
  EXPECT_EQ(gpu_named("A100-SXM4-80GB").gpu->name, "A100-SXM4-80GB");
  EXPECT_EQ(gpu_named("NVIDIA H100 80GB HBM3").gpu->name, "H100-SXM5-80GB"); // a CUDA name
  const NamedGpu h100 = gpu_named("H100");
  EXPECT_EQ(h100.gpu, nullptr);
  EXPECT_EQ(h100.problem, "'H100' could be H100-SXM5-80GB, H100-PCIe-80GB; name one");
  EXPECT_EQ(gpu_named("A100").gpu, nullptr);
  EXPECT_EQ(gpu_named("NVIDIA A100").gpu, nullptr);
  EXPECT_EQ(gpu_named("Tesla V100-SXM2-16GB").gpu->name, "V100-SXM2-16GB");
  EXPECT_EQ(gpu_named("").problem, "'' names no GPU (epochcost gpus lists them)");
  EXPECT_EQ(gpu_named("  ").gpu, nullptr);
  EXPECT_EQ(gpu_named("Voodoo 3").problem,
            "'Voodoo 3' is not in the GPU spec table (epochcost gpus)");
}

TEST(GpuSpecs, ParsesTheTableFormat) {
  const auto table = parse_gpu_table(
      "gpus:\n  - {name: X, match: [x1], memory_gb: 8, bandwidth_gbs: 100,\n"
      "     peak_tflops: {fp32: 1, tf32: null, fp16: 4, bf16: null}, tdp_w: 50, source: s}\n");
  ASSERT_EQ(table.size(), 1u);
  EXPECT_FALSE(table[0].peak_tflops.tf32.has_value());
  EXPECT_DOUBLE_EQ(*table[0].peak_tflops.fp16, 4);
  EXPECT_THROW((void)parse_gpu_table("gpus:\n  - {name: X}\n"), std::logic_error);
}

} // namespace
} // namespace epochcost::hardware
