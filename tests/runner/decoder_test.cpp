// The decoder on the CPU: shapes, parameter and FLOP counts against the formulas, LoRA freezing.
#include "config/loader.hpp"
#include "decoder.hpp"
#include "model/analysis.hpp"
#include "training_step.hpp"

#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

namespace epochcost::runner {
namespace {

config::Config tiny(const std::string& model_extra = "", const std::string& extra = "") {
  return config::parse_config("model: {name: decoder, preset: tiny" + model_extra +
                                  "}\n"
                                  "data: {samples: 64, batch_size: 2, seq_len: 32}\n"
                                  "optimizer: {name: adamw, lr: 0.01}\ndevice: cpu\n"
                                  "pricing: {currency: USD, amount: 1}\n" +
                                  extra,
                              "tiny.yaml", {}, config::Purpose::run);
}

std::int64_t count(torch::nn::Module& module, bool trainable_only) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters()) {
    if (!trainable_only || p.requires_grad()) n += p.numel();
  }
  return n;
}

TEST(Decoder, ParameterCountsMatchTheFormula) {
  for (const auto& [model_extra, extra] : std::vector<std::pair<std::string, std::string>>{
           {"", ""},
           {", kv_heads: 4", ""},
           {", attention_bias: true, tie_embeddings: true", ""},
           {"", "lora: {rank: 4, targets: [q, k, v, o, gate, up, down]}\n"},
           {"", "lora: {rank: 8, targets: [q, v]}\n"}}) {
    const config::Config c = tiny(model_extra, extra);
    const auto workload = models::build_workload(*c.model, c.data);
    const auto analysis = model::analyze(*c.model, c.data.seq_len);
    EXPECT_EQ(count(workload->module(), false), analysis.params_total) << model_extra << extra;
    EXPECT_EQ(count(workload->module(), true), analysis.params_trainable) << model_extra << extra;
  }
}

TEST(Decoder, PlacedPartByPartIsTheModelBuiltThenCast) {
  const config::Config c = tiny("", "lora: {rank: 4, targets: [q, v]}\n");
  torch::manual_seed(7);
  const auto whole = models::build_workload(*c.model, c.data);
  whole->module().to(torch::kBFloat16);
  torch::manual_seed(7);
  const auto placed = models::build_workload(*c.model, c.data, {},
                                             models::Placement{torch::kCPU, torch::kBFloat16});
  const auto expected = whole->module().named_parameters();
  const auto got = placed->module().named_parameters();
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& item : expected) {
    const torch::Tensor& p = got[item.key()];
    EXPECT_EQ(p.scalar_type(), torch::kBFloat16) << item.key();
    EXPECT_TRUE(torch::equal(p, item.value())) << item.key();
    EXPECT_EQ(p.requires_grad(), item.value().requires_grad()) << item.key();
  }
}

TEST(Decoder, FlopsMatchACountOfItsMatmuls) {
  const config::Config c = tiny();
  const auto workload = models::build_workload(*c.model, c.data);
  // Every matrix of the built model (the large ones are Dense, LoRA's Linear): one multiply-add
  // per weight and token.
  double linear_weights = 0;
  for (const auto& module : workload->module().modules()) {
    if (const auto* linear = module->as<torch::nn::Linear>())
      linear_weights += double(linear->weight.numel());
    if (const auto* dense = module->as<models::Dense>())
      linear_weights += double(dense->weight.numel());
  }
  const auto& d = std::get<config::DecoderSpec>(*c.model);
  const double attention = 12.0 * d.layers * d.heads * d.head_dim() * c.data.seq_len;
  EXPECT_DOUBLE_EQ(model::analyze(*c.model, c.data.seq_len).flops_per_sample,
                   (6 * linear_weights + attention) * c.data.seq_len);
}

TEST(Decoder, ForwardShapesAndFiniteLoss) {
  const config::Config c = tiny();
  auto workload = models::build_workload(*c.model, c.data);
  const models::Batch batch = workload->synthetic_samples(3);
  EXPECT_EQ(batch.inputs.sizes(), (std::vector<std::int64_t>{3, 32}));
  EXPECT_FALSE(batch.targets.defined());
  auto& decoder = dynamic_cast<models::DecoderImpl&>(workload->module());
  EXPECT_EQ(decoder.forward(batch.inputs).sizes(), (std::vector<std::int64_t>{3, 32, 512}));
  const float loss = workload->loss(batch).item<float>();
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, std::log(512.0), 1.5); // about uniform over the vocabulary at random init
}

TEST(Decoder, LoraTrainsTheAdaptersOnly) {
  torch::manual_seed(0);
  const config::Config c = tiny("", "lora: {rank: 4, alpha: 8, targets: [q, v]}\n");
  auto workload = models::build_workload(*c.model, c.data);
  const SyntheticDataset data(*workload, c.data, torch::kCPU);
  TrainingStep step(*workload, c, torch::kCPU);
  std::map<std::string, torch::Tensor> before;
  for (const auto& item : workload->module().named_parameters())
    before[item.key()] = item.value().clone();
  for (int i = 0; i < 3; ++i)
    step.run(data, i, 2, nullptr);
  int adapters_changed = 0;
  for (const auto& item : workload->module().named_parameters()) {
    const bool adapter = item.key().find("lora_") != std::string::npos;
    EXPECT_EQ(item.value().requires_grad(), adapter) << item.key();
    if (!adapter) {
      EXPECT_TRUE(torch::equal(item.value(), before[item.key()])) << item.key() << " moved";
      EXPECT_FALSE(item.value().grad().defined()) << item.key() << " has a gradient";
    } else {
      adapters_changed += !torch::equal(item.value(), before[item.key()]);
    }
  }
  EXPECT_EQ(adapters_changed, 2 * 2 * 2); // A and B of q and v in both layers
}

TEST(Decoder, CheckpointingGivesTheSameGradients) {
  const auto gradients = [](bool checkpointing) {
    torch::manual_seed(5);
    const config::Config c = tiny("", checkpointing ? "train: {checkpointing: true}\n" : "");
    EXPECT_EQ(c.train.checkpointing, checkpointing);
    auto workload = models::build_workload(*c.model, c.data, c.train);
    const models::Batch batch = workload->synthetic_samples(2);
    workload->loss(batch).backward();
    std::vector<torch::Tensor> grads;
    for (const auto& p : workload->module().parameters())
      grads.push_back(p.grad().clone());
    return grads;
  };
  const auto plain = gradients(false);
  const auto recomputed = gradients(true);
  ASSERT_EQ(plain.size(), recomputed.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(torch::allclose(plain[i], recomputed[i], 1e-4, 1e-6)) << "parameter " << i;
  }
}

TEST(Decoder, CheckpointingWorksWithLora) {
  const config::Config c = tiny("", "lora: {rank: 4}\ntrain: {checkpointing: true}\n");
  auto workload = models::build_workload(*c.model, c.data, c.train);
  workload->loss(workload->synthetic_samples(2)).backward();
  for (const auto& item : workload->module().named_parameters()) {
    if (item.key().find("lora_") != std::string::npos) {
      EXPECT_TRUE(item.value().grad().defined()) << item.key();
    }
  }
}

TEST(ResNet, ParametersMatchTheFormulaAndAStepRuns) {
  for (const std::int64_t depth : {18, 50}) {
    const config::ModelSpec spec = config::ResNetSpec{depth, 10, 32, depth == 50};
    auto workload = models::build_workload(spec);
    EXPECT_EQ(count(workload->module(), false), model::analyze(spec).params_total) << depth;
    const models::Batch batch = workload->synthetic_samples(2);
    EXPECT_EQ(batch.inputs.sizes(), (std::vector<std::int64_t>{2, 3, 32, 32}));
    const torch::Tensor loss = workload->loss(batch);
    loss.backward();
    EXPECT_TRUE(std::isfinite(loss.item<float>())) << depth;
    for (const auto& p : workload->module().parameters())
      EXPECT_TRUE(p.grad().defined());
  }
}

} // namespace
} // namespace epochcost::runner
