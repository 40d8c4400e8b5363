// The LibTorch runner on the CPU: models, data, the training step and the measurement method.
#include "../support/foreach_sgd_parity.hpp"
#include "../support/fused_loss_scaling.hpp"
#include "config/loader.hpp"
#include "device.hpp"
#include "fused_adam.hpp"
#include "loss_scaler.hpp"
#include "measure.hpp"
#include "model/analysis.hpp"
#include "phase_clock.hpp"
#include "training_step.hpp"
#include "util/errors.hpp"
#include "workload.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <gtest/gtest.h>
#include <numeric>
#include <torch/cuda.h>
#include <torch/nn/utils/clip_grad.h>

namespace epochcost::runner {
namespace {

config::Config cpu_job(const std::vector<std::string>& sets = {}) {
  std::vector<std::string> all = {"timing.warmup_steps=2", "timing.min_steps=10",
                                  "timing.min_seconds=0.05", "timing.max_seconds=0.5"};
  all.insert(all.end(), sets.begin(), sets.end());
  return config::parse_config(
      "model: {name: mlp, input_dim: 16, hidden: [8], output_dim: 3, loss: cross_entropy}\n"
      "data: {samples: 100, batch_size: 8}\noptimizer: {name: adam, lr: 0.01}\ndevice: cpu\n"
      "pricing: {currency: USD, amount: 1}\n",
      "test.yaml", all, config::Purpose::run);
}

std::int64_t count_parameters(torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters())
    n += p.numel();
  return n;
}

TEST(Mlp, ShapesAndParameterCountFollowTheSpec) {
  const auto linear = models::build_workload(config::MlpSpec{100, {}, 1});
  EXPECT_EQ(count_parameters(linear->module()), 101);
  const auto deep =
      models::build_workload(config::MlpSpec{100, {64, 32}, 10, config::Loss::cross_entropy});
  EXPECT_EQ(count_parameters(deep->module()), 100 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
  // The analytic count that `info` and the cost side use agrees with the built model.
  const config::MlpSpec deep_spec{100, {64, 32}, 10, config::Loss::cross_entropy};
  EXPECT_EQ(model::analyze(deep_spec).params_total, count_parameters(deep->module()));
  const models::Batch batch = deep->synthetic_samples(5);
  EXPECT_EQ(batch.inputs.sizes(), (std::vector<std::int64_t>{5, 100}));
  EXPECT_EQ(batch.targets.sizes(), (std::vector<std::int64_t>{5}));
  EXPECT_EQ(batch.targets.scalar_type(), torch::kLong);
  EXPECT_LT(batch.targets.max().item<std::int64_t>(), 10);
  const torch::Tensor loss = deep->loss(batch);
  EXPECT_EQ(loss.dim(), 0);
  EXPECT_TRUE(std::isfinite(loss.item<float>()));
}

TEST(SyntheticDataset, BatchesFollowTheShuffledEpochOrder) {
  const auto workload = models::build_workload(config::MlpSpec{4, {}, 1});
  const SyntheticDataset data(*workload, {10, 4, false}, torch::kCPU);
  EXPECT_EQ(data.pool_samples(), 10);
  EXPECT_EQ(data.batch(0, 4).inputs.size(0), 4);
  EXPECT_EQ(data.batch(2, 2).inputs.size(0), 2); // the partial last batch of the epoch
  // One epoch visits every sample exactly once.
  const torch::Tensor epoch =
      torch::cat({data.batch(0, 4).inputs, data.batch(1, 4).inputs, data.batch(2, 2).inputs});
  EXPECT_EQ(std::get<0>(torch::unique_dim(epoch, 0)).size(0), 10);
}

TEST(TrainingStep, MarksEveryPhaseAndLearns) {
  torch::manual_seed(0);
  const config::Config config = cpu_job();
  auto workload = models::build_workload(*config.model);
  const SyntheticDataset data(*workload, config.data, torch::kCPU);
  TrainingStep step(*workload, config, torch::kCPU);
  const auto clock = make_steady_clock();
  clock->mark();
  step.run(data, 0, 8, clock.get());
  const auto intervals = clock->read_intervals_s();
  ASSERT_EQ(intervals.size(), 4u); // data, forward, backward, optimizer
  for (const double s : intervals)
    EXPECT_GE(s, 0.0);
  // Repeated steps on one batch lower its loss: the optimizer really steps.
  const float before = workload->loss(data.batch(0, 8)).item<float>();
  for (int i = 0; i < 50; ++i)
    step.run(data, 0, 8, nullptr);
  EXPECT_LT(workload->loss(data.batch(0, 8)).item<float>(), before);
}

TEST(TrainingStep, AccumulationGivesTheGradientsOfOneBigBatch) {
  // The same 8 samples as one batch of 8, and as 4 micro-batches of 2.
  const auto gradients = [](int batch, int accumulation) {
    torch::manual_seed(3);
    const config::Config config =
        cpu_job({"data.batch_size=" + std::to_string(batch),
                 "train.accumulation_steps=" + std::to_string(accumulation)});
    auto workload = models::build_workload(*config.model);
    const SyntheticDataset data(*workload, config.data, torch::kCPU);
    TrainingStep step(*workload, config, torch::kCPU);
    EXPECT_EQ(step.samples_per_step(), 8);
    step.accumulate_gradients(data, 0, 8, nullptr);
    std::vector<torch::Tensor> grads;
    for (const auto& p : workload->module().parameters())
      grads.push_back(p.grad().clone());
    return grads;
  };
  const auto whole = gradients(8, 1);
  const auto accumulated = gradients(2, 4);
  ASSERT_EQ(whole.size(), accumulated.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    EXPECT_TRUE(torch::allclose(whole[i], accumulated[i], 1e-5, 1e-7)) << "parameter " << i;
    EXPECT_GT(whole[i].abs().sum().item<float>(), 0);
  }
}

TEST(TrainingStep, AccumulationMarksEveryMicroBatch) {
  const config::Config config = cpu_job({"train.accumulation_steps=3", "train.grad_clip=1.0"});
  auto workload = models::build_workload(*config.model);
  const SyntheticDataset data(*workload, config.data, torch::kCPU);
  TrainingStep step(*workload, config, torch::kCPU);
  const auto clock = make_steady_clock();
  clock->mark();
  step.run(data, 0, step.samples_per_step(), clock.get());
  EXPECT_EQ(clock->read_intervals_s().size(), static_cast<std::size_t>(step.marks_per_full_step()));
  EXPECT_EQ(step.marks_per_full_step(), 10);
}

TEST(TrainingStep, ClippingMatchesLibTorchsClipGradNorm) {
  torch::manual_seed(3);
  for (const double max_norm : {0.5, 1e6}) { // clipped, and left alone
    std::vector<torch::Tensor> ours, reference;
    for (const auto& shape : {std::vector<std::int64_t>{4, 3}, {7}, {2, 2, 2}}) {
      const torch::Tensor grad = torch::randn(shape);
      ours.push_back(torch::zeros(shape, torch::requires_grad()));
      ours.back().mutable_grad() = grad.clone();
      reference.push_back(torch::zeros(shape, torch::requires_grad()));
      reference.back().mutable_grad() = grad.clone();
    }
    ours.push_back(torch::zeros({3}, torch::requires_grad())); // no gradient: ignored
    clip_gradients(ours, max_norm);
    torch::nn::utils::clip_grad_norm_(reference, max_norm);
    for (std::size_t i = 0; i < reference.size(); ++i) {
      EXPECT_TRUE(torch::allclose(ours[i].grad(), reference[i].grad(), 1e-6, 1e-7))
          << "max_norm " << max_norm << ", parameter " << i;
    }
    EXPECT_FALSE(ours.back().grad().defined());
  }
}

TEST(ForeachSgd, TakesLibTorchsSgdSteps) {
  testing::expect_foreach_sgd_matches_libtorch(torch::kCPU);
}

TEST(LossScaler, SkipsTheStepOnInfAndHalvesTheScale) {
  torch::Tensor weight = torch::ones({2}, torch::requires_grad());
  torch::optim::SGD sgd({weight}, torch::optim::SGDOptions(0.1));
  LossScaler scaler(torch::kCPU, 1024.0);
  // A clean step: the gradient comes back unscaled and the weight moves.
  scaler.scale(weight.sum()).backward();
  EXPECT_TRUE(torch::allclose(weight.grad(), torch::full({2}, 1024.0)));
  scaler.unscale({weight});
  EXPECT_TRUE(torch::allclose(weight.grad(), torch::ones({2})));
  scaler.step(sgd);
  EXPECT_FLOAT_EQ(weight[0].item<float>(), 0.9f);
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 1024.0);
  // An inf gradient: no update, the scale halves, the skip is counted.
  sgd.zero_grad();
  (weight * std::numeric_limits<float>::infinity()).sum().backward();
  scaler.unscale({weight});
  scaler.step(sgd);
  EXPECT_FLOAT_EQ(weight[0].item<float>(), 0.9f);
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 512.0);
  EXPECT_EQ(scaler.skipped_steps(), 1);
}

TEST(LossScaler, FusedAdamSkipsOnTheDeviceLikeThePlainPath) {
  testing::expect_fused_skip_matches_plain(torch::kCPU);
}

TEST(TrainingStep, Fp16AndBf16PureRunOnTheCpu) {
  for (const std::string precision : {"fp16", "bf16-pure"}) {
    const config::Config config = cpu_job({"precision=" + precision});
    auto workload = models::build_workload(*config.model);
    if (precision == "bf16-pure") workload->module().to(torch::kBFloat16);
    const SyntheticDataset data(*workload, config.data, torch::kCPU);
    TrainingStep step(*workload, config, torch::kCPU);
    step.run(data, 0, step.samples_per_step(), nullptr);
    for (const auto& p : workload->module().parameters()) {
      EXPECT_EQ(p.scalar_type(), precision == "bf16-pure" ? torch::kBFloat16 : torch::kFloat);
      EXPECT_TRUE(torch::isfinite(p).all().item<bool>()) << precision;
    }
    EXPECT_EQ(step.skipped_steps(), 0) << precision;
  }
}

TEST(FusedAdam, MatchesThePlainOptimizer) {
  for (const auto kind : {config::OptimizerKind::adam, config::OptimizerKind::adamw}) {
    config::OptimizerSpec spec;
    spec.name = kind;
    spec.lr = 0.01;
    spec.weight_decay = 0.1;
    torch::manual_seed(1);
    torch::Tensor fused_weight = torch::randn({5, 3}).requires_grad_();
    torch::Tensor plain_weight = fused_weight.detach().clone().requires_grad_();
    FusedAdam fused({fused_weight}, spec);
    std::unique_ptr<torch::optim::Optimizer> plain;
    if (kind == config::OptimizerKind::adam) {
      plain =
          std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{plain_weight},
                                               torch::optim::AdamOptions(0.01).weight_decay(0.1));
    } else {
      plain =
          std::make_unique<torch::optim::AdamW>(std::vector<torch::Tensor>{plain_weight},
                                                torch::optim::AdamWOptions(0.01).weight_decay(0.1));
    }
    for (int i = 0; i < 5; ++i) {
      const torch::Tensor grad = torch::randn({5, 3});
      fused_weight.mutable_grad() = grad.clone();
      plain_weight.mutable_grad() = grad.clone();
      fused.step();
      plain->step();
    }
    EXPECT_EQ(fused.implementation(), "fused");
    EXPECT_TRUE(torch::allclose(fused_weight, plain_weight, 1e-5, 1e-6))
        << (kind == config::OptimizerKind::adam ? "adam" : "adamw");
  }
}

TEST(TrainingStep, Bf16AutocastRunsOnTheCpu) {
  // The same initial weights and batches, eight steps each way.
  const auto weights_after = [](const std::string& precision) {
    torch::manual_seed(11);
    const config::Config config = cpu_job({"precision=" + precision});
    auto workload = models::build_workload(*config.model);
    const SyntheticDataset data(*workload, config.data, torch::kCPU);
    TrainingStep step(*workload, config, torch::kCPU);
    step.run(data, 0, 8, nullptr);
    std::vector<torch::Tensor> weights;
    for (const auto& p : workload->module().parameters())
      weights.push_back(p.detach().clone());
    return weights;
  };
  const auto fp32 = weights_after("fp32"), bf16 = weights_after("bf16");
  ASSERT_EQ(bf16.size(), fp32.size());
  ASSERT_TRUE(torch::equal(weights_after("fp32")[0], fp32[0])); // the comparison is fair
  bool rounded = false;
  for (std::size_t i = 0; i < bf16.size(); ++i) {
    EXPECT_EQ(bf16[i].scalar_type(), torch::kFloat); // master weights stay fp32
    rounded = rounded || !torch::equal(bf16[i], fp32[i]);
  }
  // Had autocast not run, the step would be the fp32 one, bit for bit.
  EXPECT_TRUE(rounded) << "bf16 trained exactly as fp32 did: the matmuls did not run in bf16";
}

TEST(Measure, ReturnsConsistentSamples) {
  // Bounded by steps, not seconds, so that a loaded machine still takes at least min_steps.
  const config::Config config = cpu_job({"timing.max_seconds=600", "timing.max_steps=12"});
  measure::MeasureRequest request;
  request.config = &config;
  request.validate_epoch = true;
  int progress_calls = 0;
  request.on_progress = [&](const measure::ProgressUpdate&) { ++progress_calls; };
  const measure::Measurement m = measure(request);
  EXPECT_EQ(m.clock, "steady_clock");
  EXPECT_EQ(m.device.device, "cpu");
  EXPECT_EQ(m.warmup_steps, 2);
  EXPECT_GE(m.step_s.size(), 10u);
  EXPECT_EQ(m.model.params_total, 16 * 8 + 8 + 8 * 3 + 3);
  const auto n = m.phases.step_s.size();
  EXPECT_GT(n, 0u);
  EXPECT_LE(n, m.step_s.size());
  EXPECT_EQ(m.phases.data_s.size(), n);
  EXPECT_EQ(m.phases.optimizer_s.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_DOUBLE_EQ(m.phases.step_s[i], m.phases.data_s[i] + m.phases.forward_s[i] +
                                             m.phases.backward_s[i] + m.phases.optimizer_s[i]);
  }
  // Every optimizer step is counted: warmup, timed, phases, and the real epochs on top.
  ASSERT_FALSE(m.epochs_actual_s.empty());
  EXPECT_GT(m.steps_run, m.warmup_steps + static_cast<std::int64_t>(m.step_s.size() + n));
  EXPECT_EQ(m.skipped_steps, 0); // fp32 has no loss scaler
  // Whole epochs interleaved with the timed windows, level with them to within one epoch.
  const double epochs_s = std::accumulate(m.epochs_actual_s.begin(), m.epochs_actual_s.end(), 0.0);
  const double longest_s = *std::ranges::max_element(m.epochs_actual_s);
  EXPECT_LE(std::abs(epochs_s - m.measure_wall_s), longest_s);
  for (const double epoch_s : m.epochs_actual_s)
    EXPECT_GT(epoch_s, 0);
  EXPECT_FALSE(m.stop_reason.empty());
  EXPECT_GT(progress_calls, 0);
}

TEST(Measure, MaxStepsBoundsTheMeasurement) {
  const config::Config config = cpu_job({"timing.min_steps=3", "timing.max_steps=7",
                                         "timing.target_ci_pct=1e-9", "timing.max_seconds=60"});
  measure::MeasureRequest request;
  request.config = &config;
  const measure::Measurement m = measure(request);
  EXPECT_EQ(m.step_s.size(), 7u);
  EXPECT_FALSE(m.stable);
}

TEST(Measure, PendingSignalStopsWithInterrupted) {
  const config::Config config = cpu_job();
  measure::MeasureRequest request;
  request.config = &config;
  request.pending_signal = [] { return SIGTERM; };
  try {
    (void)measure(request);
    FAIL() << "expected Interrupted";
  } catch (const Interrupted& e) {
    EXPECT_EQ(e.code(), ExitCode::terminated);
  }
}

TEST(Device, CudaRequestWithoutCudaIsAnInputError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  config::DeviceSpec spec;
  spec.kind = config::DeviceSpec::Kind::cuda;
  EXPECT_THROW((void)resolve_device(spec), InputError);
  spec.kind = config::DeviceSpec::Kind::automatic;
  EXPECT_EQ(resolve_device(spec).info.device, "cpu");
}

TEST(Runner, MemoryExhaustionIsRecognisedByEachLibrarysWords) {
  const auto error = [](const std::string& message) {
    return c10::Error({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)}, message);
  };
  const c10::OutOfMemoryError caching_allocator({__func__, __FILE__, 1u}, "CUDA out of memory.");
  EXPECT_TRUE(is_memory_exhaustion(caching_allocator));
  for (const char* message :
       {"DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000000 bytes",
        "CUDA error: out of memory",
        "CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`",
        "cuDNN error: CUDNN_STATUS_ALLOC_FAILED",
        "cuDNN error: CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED",
        "cuDNN error: CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED"})
    EXPECT_TRUE(is_memory_exhaustion(error(message))) << message;
  for (const char* message : {"cuDNN error: CUDNN_STATUS_BAD_PARAM",
                              "mat1 and mat2 shapes cannot be multiplied (8x16 and 8x3)"})
    EXPECT_FALSE(is_memory_exhaustion(error(message))) << message;
}

} // namespace
} // namespace epochcost::runner
