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

// The layer's parts against their definitions, written out in double precision.
TEST(Decoder, RotaryEmbeddingRotatesEachPairByItsAngle) {
  const std::int64_t dim = 8, half = dim / 2, seq = 5;
  const double theta = 10000;
  const models::RotaryTables tables = models::rotary_tables(dim, /*context=*/7, theta);
  ASSERT_EQ(tables.cos.sizes(), (std::vector<std::int64_t>{7, dim}));
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({2, 3, seq, dim});
  const torch::Tensor got =
      models::rotate(x, tables.cos.slice(0, 0, seq), tables.signed_sin.slice(0, 0, seq));
  const torch::Tensor x64 = x.to(torch::kDouble), got64 = got.to(torch::kDouble);
  const auto in = x64.accessor<double, 4>();
  const auto out = got64.accessor<double, 4>();
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t h = 0; h < 3; ++h)
      for (std::int64_t p = 0; p < seq; ++p)
        for (std::int64_t j = 0; j < half; ++j) {
          const double angle = double(p) * std::pow(theta, -2.0 * double(j) / double(dim));
          const double first = in[b][h][p][j], second = in[b][h][p][j + half];
          EXPECT_NEAR(out[b][h][p][j], first * std::cos(angle) - second * std::sin(angle), 1e-5);
          EXPECT_NEAR(out[b][h][p][j + half], second * std::cos(angle) + first * std::sin(angle),
                      1e-5);
        }
}

TEST(Decoder, RmsNormAndItsGradientsAreTheLlamaFormula) {
  torch::manual_seed(4);
  const double eps = 1e-6;
  const torch::Tensor x = torch::randn({3, 4, 16}), w = torch::randn({16}),
                      grad = torch::randn({3, 4, 16});
  const auto reference = [&](const torch::Tensor& input, const torch::Tensor& weight) {
    return weight * input * torch::rsqrt(input.pow(2).mean(-1, true) + eps);
  };
  const torch::Tensor x64 = x.to(torch::kDouble).requires_grad_(true);
  const torch::Tensor w64 = w.to(torch::kDouble).requires_grad_(true);
  const torch::Tensor expected = reference(x64, w64);
  expected.backward(grad.to(torch::kDouble));

  models::RMSNorm norm(16, eps);
  {
    torch::NoGradGuard no_grad;
    norm->parameters()[0].copy_(w);
  }
  const torch::Tensor input = x.clone().requires_grad_(true);
  const torch::Tensor y = norm->forward(input);
  y.backward(grad);
  EXPECT_TRUE(torch::allclose(y.to(torch::kDouble), expected, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(input.grad().to(torch::kDouble), x64.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(
      torch::allclose(norm->parameters()[0].grad().to(torch::kDouble), w64.grad(), 1e-4, 1e-5));

  // Pure bf16: bf16 in and out, the formula to bf16's precision.
  norm->to(torch::kBFloat16);
  const torch::Tensor y16 = norm->forward(x.to(torch::kBFloat16));
  EXPECT_EQ(y16.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::allclose(y16.to(torch::kDouble),
                              reference(x64, w.to(torch::kBFloat16).to(torch::kDouble)).detach(),
                              2e-2, 2e-2));
}

TEST(Decoder, LoraProjectionAddsTheScaledAdapter) {
  config::LoraSpec lora;
  lora.rank = 2;
  lora.alpha = 6; // scaling 3
  models::Projection projection(5, 4, /*bias=*/false, &lora, torch::kCPU);
  torch::manual_seed(6);
  auto parameters = projection->named_parameters();
  {
    torch::NoGradGuard no_grad;
    parameters["lora_b.weight"].normal_(); // B starts at zero, which would hide the adapter
  }
  const torch::Tensor x = torch::randn({3, 5});
  const torch::Tensor w = parameters["base.weight"], a = parameters["lora_a.weight"],
                      b = parameters["lora_b.weight"];
  const torch::Tensor expected = x.matmul(w.t()) + 3.0 * x.matmul(a.t()).matmul(b.t());
  EXPECT_TRUE(torch::allclose(projection->forward(x), expected, 1e-5, 1e-6));
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
