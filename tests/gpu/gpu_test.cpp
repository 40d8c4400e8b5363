// Tests that need a CUDA device (label gpu). Without one each test skips and says why.
#include "../support/foreach_sgd_parity.hpp"
#include "../support/fused_loss_scaling.hpp"
#include "autocast.hpp"
#include "config/loader.hpp"
#include "decoder.hpp"
#include "device.hpp"
#include "measure.hpp"
#include "phase_clock.hpp"
#include "util/errors.hpp"

#include <ATen/SDPBackend.h>
#include <ATen/ops/_fused_sdp_choice.h>
#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <numeric>
#include <torch/cuda.h>

namespace epochcost::runner {
namespace {

class Gpu : public ::testing::Test {
protected:
  void SetUp() override {
#ifndef EPOCHCOST_HAS_CUDA
    GTEST_SKIP() << "this build's LibTorch has no CUDA support";
#endif
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible to LibTorch";
  }
};

config::Config gpu_job(const std::string& precision = "fp32") {
  return config::parse_config(
      "model: {name: mlp, input_dim: 256, hidden: [1024], output_dim: 10, loss: cross_entropy}\n"
      "data: {samples: 4096, batch_size: 64}\noptimizer: {name: adamw}\ndevice: cuda\n"
      "timing: {warmup_steps: 5, min_steps: 20, max_seconds: 2}\n"
      "pricing: {currency: USD, amount: 1}\n",
      "gpu.yaml", {"precision=" + precision}, config::Purpose::run);
}

TEST_F(Gpu, DeviceIsDescribed) {
  const ResolvedDevice device = resolve_device(gpu_job().device);
  EXPECT_TRUE(device.device.is_cuda());
  EXPECT_FALSE(device.info.device_name.empty());
  EXPECT_TRUE(device.info.cuda_version.has_value());
}

TEST_F(Gpu, EventClockMeasuresQueuedWork) {
  (void)resolve_device(gpu_job().device);
  const auto clock = make_cuda_event_clock();
  const torch::Tensor a = torch::randn({2048, 2048}, torch::kCUDA);
  clock->mark();
  for (int i = 0; i < 3; ++i) {
    (void)torch::mm(a, a);
    clock->mark();
  }
  const auto intervals = clock->read_intervals_s();
  ASSERT_EQ(intervals.size(), 3u);
  for (const double s : intervals)
    EXPECT_GT(s, 0.0);
  EXPECT_EQ(std::string(clock->name()), "cuda_event");
}

TEST_F(Gpu, MeasurementUsesCudaEventsAndPhasesAddUp) {
  for (const std::string precision : {"fp32", "tf32", "bf16"}) {
    const config::Config config = gpu_job(precision);
    measure::MeasureRequest request;
    request.config = &config;
    request.validate_epoch = true;
    const measure::Measurement m = measure(request);
    EXPECT_EQ(m.clock, "cuda_event") << precision;
    EXPECT_GE(m.step_s.size(), 20u) << precision;
    ASSERT_FALSE(m.phases.step_s.empty());
    for (std::size_t i = 0; i < m.phases.step_s.size(); ++i) {
      EXPECT_DOUBLE_EQ(m.phases.step_s[i], m.phases.data_s[i] + m.phases.forward_s[i] +
                                               m.phases.backward_s[i] + m.phases.optimizer_s[i]);
    }
    // Real epochs interleaved with the windows, level with them to within one epoch.
    ASSERT_FALSE(m.epochs_actual_s.empty()) << precision;
    EXPECT_GT(m.measure_wall_s, 0.0) << precision;
    const double epochs_s =
        std::accumulate(m.epochs_actual_s.begin(), m.epochs_actual_s.end(), 0.0);
    EXPECT_LE(std::abs(epochs_s - m.measure_wall_s), *std::ranges::max_element(m.epochs_actual_s))
        << precision;
  }
}

TEST_F(Gpu, OutOfMemoryIsReportedAsSuch) {
  // 10^6 × 10^6 fp32 weights (4 TB) cannot fit any GPU.
  const config::Config config = config::parse_config(
      "model: {name: mlp, input_dim: 1000000, hidden: [1000000], output_dim: 1}\n"
      "data: {samples: 64, batch_size: 8}\noptimizer: {name: sgd}\ndevice: cuda\n"
      "pricing: {currency: USD, amount: 1}\n",
      "oom.yaml", {}, config::Purpose::run);
  measure::MeasureRequest request;
  request.config = &config;
  EXPECT_THROW((void)measure(request), OutOfMemoryError);
}

config::Config tiny_decoder(const std::string& precision) {
  return config::parse_config(
      "model: {name: decoder, preset: tiny}\nlora: {rank: 8, targets: [q, v]}\n"
      "data: {samples: 256, batch_size: 4, seq_len: 128}\noptimizer: {name: adamw}\ndevice: cuda\n"
      "timing: {warmup_steps: 3, min_steps: 10, min_seconds: 0.1, max_seconds: 2}\n"
      "pricing: {currency: USD, amount: 1}\n",
      "tiny.yaml", {"precision=" + precision}, config::Purpose::run);
}

TEST_F(Gpu, AutocastFusedOptimizerAndMemoryStatistics) {
  for (const std::string precision : {"bf16", "fp16", "bf16-pure"}) {
    const config::Config config = tiny_decoder(precision);
    measure::MeasureRequest request;
    request.config = &config;
    const measure::Measurement m = measure(request);
    EXPECT_EQ(m.optimizer_implementation, "fused") << precision;
    ASSERT_TRUE(m.peak_allocated_bytes.has_value()) << precision;
    EXPECT_GT(*m.peak_allocated_bytes, 0) << precision;
    EXPECT_LE(*m.peak_allocated_bytes, *m.peak_reserved_bytes) << precision;
    // Only fp16 has a loss scaler; it skips a few steps while it finds its scale.
    if (precision == "fp16") {
      EXPECT_LE(m.skipped_steps * 10, m.steps_run) << precision;
    } else {
      EXPECT_EQ(m.skipped_steps, 0) << precision;
    }
  }
}

TEST_F(Gpu, FusedAdamSkipsInfStepsInTheKernel) {
  testing::expect_fused_skip_matches_plain(torch::kCUDA);
}

TEST_F(Gpu, ForeachSgdTakesLibTorchsSgdSteps) {
  testing::expect_foreach_sgd_matches_libtorch(torch::kCUDA);
}

TEST_F(Gpu, AttentionUsesAFusedKernelInHalfPrecision) {
  (void)resolve_device(gpu_job().device);
  const auto options = torch::TensorOptions(torch::kCUDA).dtype(torch::kBFloat16);
  const torch::Tensor q = torch::randn({2, 8, 256, 64}, options);
  const auto backend =
      static_cast<at::SDPBackend>(at::_fused_sdp_choice(q, q, q, {}, 0.0, /*is_causal=*/true));
  EXPECT_NE(backend, at::SDPBackend::math) << "SDPA fell back to the math kernel";
  EXPECT_NE(backend, at::SDPBackend::error);
  // Grouped-query attention as the decoder calls it (kv_heads < heads, enable_gqa): 8 query heads
  // share 2 key/value heads (the 67B preset shares 8 among 64).
  const torch::Tensor kv = torch::randn({2, 2, 256, 64}, options);
  const auto gqa_backend = static_cast<at::SDPBackend>(at::_fused_sdp_choice(
      q, kv, kv, {}, 0.0, /*is_causal=*/true, /*scale=*/std::nullopt, /*enable_gqa=*/true));
  EXPECT_NE(gqa_backend, at::SDPBackend::math) << "grouped-query SDPA fell back to the math kernel";
  EXPECT_NE(gqa_backend, at::SDPBackend::error);
}

// The decoder's norms as it calls them: the fp32 residual stream under bf16 autocast, and bf16
// activations with pure bf16 weights. A dtype mismatch would fall back to the eight-op composite.
TEST_F(Gpu, RmsNormRunsTheFusedKernel) {
  (void)resolve_device(gpu_job().device);
  for (const bool pure_bf16 : {false, true}) {
    SCOPED_TRACE(pure_bf16 ? "bf16-pure" : "bf16 autocast");
    const auto dtype = pure_bf16 ? torch::kBFloat16 : torch::kFloat;
    models::RMSNorm norm(1024, 1e-6);
    norm->to(torch::kCUDA, dtype);
    const torch::Tensor x =
        torch::randn({4, 128, 1024}, torch::TensorOptions(torch::kCUDA).dtype(dtype))
            .requires_grad_(true);
    models::AutocastRegion region(!pure_bf16, torch::kCUDA, torch::kBFloat16);
    const torch::Tensor y = norm->forward(x);
    ASSERT_TRUE(y.grad_fn());
    EXPECT_EQ(y.grad_fn()->name(), "FusedRmsNormBackward0");
  }
}

TEST_F(Gpu, FindMaxBatchBisectsToTheLargestFit) {
  // ResNet-50 at 224 px keeps roughly 0.1 GB of fp32 activations per image: thousands do not fit
  // (TF32 only speeds up the tries' steps).
  const config::Config config = config::parse_config(
      "model: {name: resnet, depth: 50}\ndata: {samples: 4096, batch_size: 64}\n"
      "optimizer: {name: sgd, momentum: 0.9}\nprecision: tf32\ndevice: cuda\n"
      "pricing: {currency: USD, amount: 1}\n",
      "search.yaml", {}, config::Purpose::run);
  measure::MeasureRequest request;
  request.config = &config;
  const measure::BatchSearch search = find_max_batch(request);
  EXPECT_GT(search.max_batch_size, 64);
  bool failed_once = false;
  for (const auto& t : search.tries) {
    EXPECT_EQ(t.fits, t.batch_size <= search.max_batch_size) << t.batch_size;
    failed_once |= !t.fits;
  }
  EXPECT_TRUE(failed_once || search.max_batch_size == 4096);
}

TEST_F(Gpu, MissingDeviceIndexIsAnInputError) {
  config::DeviceSpec spec;
  spec.kind = config::DeviceSpec::Kind::cuda;
  spec.index = static_cast<int>(torch::cuda::device_count());
  EXPECT_THROW((void)resolve_device(spec), InputError);
}

} // namespace
} // namespace epochcost::runner
