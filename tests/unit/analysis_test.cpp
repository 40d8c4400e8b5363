#include "config/loader.hpp"
#include "model/analysis.hpp"

#include <gtest/gtest.h>

namespace epochcost::model {
namespace {

TEST(Analysis, MlpParametersAndFlops) {
  const Analysis linear = analyze(config::MlpSpec{100, {}, 1});
  EXPECT_EQ(linear.params_total, 101);
  EXPECT_EQ(linear.params_trainable, 101);
  EXPECT_DOUBLE_EQ(linear.flops_per_sample, 6 * 100);
  const Analysis deep = analyze(config::MlpSpec{784, {512, 256}, 10});
  EXPECT_EQ(deep.params_total, 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10);
  EXPECT_DOUBLE_EQ(deep.flops_per_sample, 6.0 * (784 * 512 + 512 * 256 + 256 * 10));
  EXPECT_FALSE(deep.tokens_per_sample.has_value());
}

TEST(Analysis, ResNetMatchesTorchvision) {
  // torchvision.models.resnet18 / resnet50: 11,689,512 and 25,557,032 parameters; 1.82 and 4.09
  // GMACs per 224×224 image (the "GFLOPS" of its model table count multiply-adds).
  const Analysis r18 = analyze(config::ResNetSpec{18, 1000, 224, false});
  EXPECT_EQ(r18.params_total, 11689512);
  EXPECT_NEAR(r18.flops_per_sample / 6 / 1e9, 1.814, 0.005);
  const Analysis r50 = analyze(config::ResNetSpec{50, 1000, 224, false});
  EXPECT_EQ(r50.params_total, 25557032);
  EXPECT_NEAR(r50.flops_per_sample / 6 / 1e9, 4.089, 0.005);
  EXPECT_EQ(analyze(config::ResNetSpec{50, 10, 224, false}).params_total, 25557032 - 2049 * 990);
}

TEST(Analysis, MemoryEstimateFollowsOptimizerAndPrecision) {
  auto config =
      config::parse_config("model: {name: mlp, input_dim: 1000, hidden: [1000], output_dim: 10}\n"
                           "data: {samples: 100, batch_size: 50}\noptimizer: {name: adam}\n"
                           "pricing: {currency: USD, amount: 1}\n",
                           "m.yaml", {}, config::Purpose::run);
  const double params = 1000 * 1000 + 1000 + 1000 * 10 + 10;
  MemoryEstimate m = estimate_memory(config);
  EXPECT_DOUBLE_EQ(m.weights_bytes, params * 4);
  EXPECT_DOUBLE_EQ(m.gradients_bytes, params * 4);
  EXPECT_DOUBLE_EQ(m.optimizer_bytes, params * 8); // Adam: two fp32 states
  EXPECT_DOUBLE_EQ(m.activations_bytes, (1000 + 10 + 2 * 1000) * 50 * 4.0);
  config.optimizer->name = config::OptimizerKind::sgd;
  EXPECT_DOUBLE_EQ(estimate_memory(config).optimizer_bytes, 0);
  config.optimizer->momentum = 0.9;
  EXPECT_DOUBLE_EQ(estimate_memory(config).optimizer_bytes, params * 4);
  config.precision = config::Precision::bf16;
  EXPECT_DOUBLE_EQ(estimate_memory(config).activations_bytes, (1000 + 10 + 2 * 1000) * 50 * 2.0);
}

TEST(Analysis, MemoryAdviceNamesOnlyWhatTheConfigDoesNotUseYet) {
  auto decoder = config::parse_config(
      "model: {name: decoder, preset: tiny}\ndata: {samples: 100, batch_size: 4, seq_len: 64}\n"
      "optimizer: {name: adamw}\npricing: {currency: USD, amount: 1}\n",
      "d.yaml", {}, config::Purpose::run);
  EXPECT_EQ(memory_advice(decoder),
            "lower data.batch_size (raising train.accumulation_steps keeps the samples per "
            "optimizer step), use lora, precision bf16-pure, train.checkpointing, or a larger "
            "device");
  // LoRA, bf16-pure, checkpointing and a batch of one are in use: only a larger device is left.
  decoder = config::parse_config(
      "model: {name: decoder, preset: tiny}\nlora: {rank: 8}\n"
      "data: {samples: 100, batch_size: 1, seq_len: 64}\noptimizer: {name: adamw}\n"
      "precision: bf16-pure\ntrain: {checkpointing: true}\npricing: {currency: USD, amount: 1}\n",
      "d.yaml", {}, config::Purpose::run);
  EXPECT_EQ(memory_advice(decoder), "a larger device");
}

} // namespace
} // namespace epochcost::model
