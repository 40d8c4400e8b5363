#include "model/analysis.hpp"

#include "util/text.hpp"

#include <cmath>
#include <vector>

namespace epochcost::model {
namespace {

Analysis analyze_mlp(const config::MlpSpec& mlp) {
  Analysis a;
  double matmul_weights = 0; // multiply-adds per sample in the forward pass
  std::int64_t width = mlp.input_dim;
  const auto layer = [&](std::int64_t out) {
    a.params_total += width * out + out;
    matmul_weights += static_cast<double>(width) * static_cast<double>(out);
    width = out;
  };
  for (const std::int64_t hidden : mlp.hidden)
    layer(hidden);
  layer(mlp.output_dim);
  a.params_trainable = a.params_total;
  a.flops_per_sample = 6 * matmul_weights; // 2 forward + 4 backward per multiply-add
  return a;
}

double activations_mlp(const config::MlpSpec& mlp, std::int64_t batch, double bytes) {
  // Each layer keeps its input; each hidden layer also its pre-activation.
  double elements = static_cast<double>(mlp.input_dim + mlp.output_dim);
  for (const std::int64_t hidden : mlp.hidden)
    elements += 2.0 * static_cast<double>(hidden);
  return elements * static_cast<double>(batch) * bytes;
}

Analysis analyze_decoder(const config::DecoderSpec& d, std::int64_t seq_len) {
  const double h = double(d.hidden), layers = double(d.layers), vocab = double(d.vocab);
  const double r = double(d.lora.rank);
  double layer_matmul = 0, layer_lora = 0;
  for (const auto& projection : d.projections()) {
    const double in = double(projection.in), out = double(projection.out);
    layer_matmul += in * out;
    if (d.lora.adapts(projection.name)) layer_lora += r * (in + out);
  }
  const double bias = d.attention_bias ? double((d.heads + 2 * d.kv_heads) * d.head_dim()) : 0;
  const double head = vocab * h; // the LM head is a matmul even when tied to the embedding
  const double base_params =
      vocab * h + layers * (layer_matmul + bias + 2 * h) + h + (d.tie_embeddings ? 0 : head);
  const double lora_params = layers * layer_lora;
  Analysis a;
  a.params_total = static_cast<std::int64_t>(base_params + lora_params);
  a.params_trainable = static_cast<std::int64_t>(d.lora.rank > 0 ? lora_params : base_params);

  // Per token: forward 2 FLOPs per multiply-add, input gradients 2 more, weight gradients 2 more
  // only for weights that train (LoRA freezes the base), attention scores and values 12·L·H·Q·T
  // (PaLM appendix B; causal masking not discounted, recomputation not counted).
  const double matmul = layers * layer_matmul + head;
  const double trainable_matmul = d.lora.rank > 0 ? 0 : matmul;
  const double attention = 12 * layers * double(d.heads) * double(d.head_dim()) * double(seq_len);
  const double per_token = 4 * matmul + 2 * trainable_matmul + 6 * lora_params + attention;
  a.flops_per_sample = per_token * double(seq_len);
  a.tokens_per_sample = seq_len;
  if (d.sliding_window > 0 && seq_len > d.sliding_window) {
    a.notes.push_back("model.sliding_window (" + std::to_string(d.sliding_window) +
                      ") is shorter than data.seq_len (" + std::to_string(seq_len) +
                      "): epochcost trains and counts full causal attention, so the step time "
                      "and FLOPs are upper bounds for this model");
  }
  return a;
}

double activations_decoder(const config::DecoderSpec& d, std::int64_t seq_len, std::int64_t batch,
                           double bytes, bool checkpointing) {
  // Saved for backward per token and layer: the two norm inputs, the inputs of q/k/v, o, gate/up
  // and down, q, k and v for attention and its output, gate and up outputs; then the logits in
  // the activation dtype and in fp32 for the loss. Attention probabilities are not stored (SDPA).
  const double h = double(d.hidden), i = double(d.intermediate);
  const double q_dim = double(d.heads * d.head_dim()), kv_dim = double(d.kv_heads * d.head_dim());
  const double per_layer = 4 * h + 2 * q_dim + 2 * kv_dim + 3 * i;
  const double tokens = double(seq_len) * double(batch);
  // Checkpointing keeps each layer's input only, plus one layer's activations while recomputing.
  const double layers =
      checkpointing ? double(d.layers) * h + per_layer : double(d.layers) * per_layer;
  return tokens * (layers * bytes + double(d.vocab) * (bytes + 4));
}

struct Conv {
  double in, out, kernel, out_size; // channels, channels, k, output height = width
};

// torchvision's ResNet: 7×7/2 stem and 3×3/2 max pool, four stages of basic (18) or bottleneck
// (50, expansion 4, stride on the 3×3) blocks, a 1×1 projection where the shape changes.
std::vector<Conv> resnet_convs(const config::ResNetSpec& r) {
  const bool bottleneck = r.depth == 50;
  const std::vector<int> blocks =
      bottleneck ? std::vector<int>{3, 4, 6, 3} : std::vector<int>{2, 2, 2, 2};
  const auto halve = [](double size) {
    return std::floor((size - 1) / 2) + 1;
  }; // k3/s2/p1, k7/s2/p3, k1/s2
  std::vector<Conv> convs;
  double size = halve(double(r.image_size));
  convs.push_back({3, 64, 7, size});
  size = halve(size); // max pool
  double in = 64;
  for (std::size_t stage = 0; stage < 4; ++stage) {
    const double width = 64.0 * double(1 << stage);
    const double out = bottleneck ? 4 * width : width;
    for (int b = 0; b < blocks[stage]; ++b) {
      const bool downsample = stage > 0 && b == 0;
      const double out_size = downsample ? halve(size) : size;
      if (bottleneck) {
        convs.push_back({in, width, 1, size});
        convs.push_back({width, width, 3, out_size});
        convs.push_back({width, out, 1, out_size});
      } else {
        convs.push_back({in, width, 3, out_size});
        convs.push_back({width, width, 3, out_size});
      }
      if (downsample || in != out) convs.push_back({in, out, 1, out_size});
      in = out;
      size = out_size;
    }
  }
  return convs;
}

Analysis analyze_resnet(const config::ResNetSpec& r) {
  double params = 0, macs = 0;
  for (const Conv& c : resnet_convs(r)) {
    params += c.kernel * c.kernel * c.in * c.out + 2 * c.out; // bias-free conv + BatchNorm affine
    macs += c.kernel * c.kernel * c.in * c.out * c.out_size * c.out_size;
  }
  const double features = r.depth == 50 ? 2048 : 512;
  params += features * double(r.classes) + double(r.classes);
  macs += features * double(r.classes);
  Analysis a;
  a.params_total = a.params_trainable = static_cast<std::int64_t>(params);
  a.flops_per_sample = 6 * macs;
  return a;
}

double activations_resnet(const config::ResNetSpec& r, std::int64_t batch, double bytes) {
  // Each convolution keeps its input; each BatchNorm its input and ReLU its output: about three
  // tensors of every convolution's output size, plus the image.
  double elements = 3.0 * double(r.image_size) * double(r.image_size);
  for (const Conv& c : resnet_convs(r))
    elements += 3 * c.out * c.out_size * c.out_size;
  return elements * double(batch) * bytes;
}

} // namespace

Analysis analyze(const config::ModelSpec& model, std::int64_t seq_len) {
  if (const auto* mlp = std::get_if<config::MlpSpec>(&model)) return analyze_mlp(*mlp);
  if (const auto* resnet = std::get_if<config::ResNetSpec>(&model)) return analyze_resnet(*resnet);
  return analyze_decoder(std::get<config::DecoderSpec>(model), seq_len);
}

MemoryEstimate estimate_memory(const config::Config& config) {
  MemoryEstimate m;
  const Analysis a = analyze(*config.model, config.data.seq_len);
  // Autocast keeps fp32 master weights, gradients and optimizer state; bf16-pure halves them.
  const bool pure = config.precision == config::Precision::bf16_pure;
  const double weight_bytes = pure ? 2 : 4;
  m.weights_bytes = static_cast<double>(a.params_total) * weight_bytes;
  m.gradients_bytes = static_cast<double>(a.params_trainable) * weight_bytes;
  double states = 0;
  if (config.optimizer) {
    switch (config.optimizer->name) {
    case config::OptimizerKind::sgd: states = config.optimizer->momentum > 0 ? 1 : 0; break;
    case config::OptimizerKind::adam:
    case config::OptimizerKind::adamw: states = 2; break; // exp_avg and exp_avg_sq
    }
  }
  m.optimizer_bytes = states * static_cast<double>(a.params_trainable) * weight_bytes;
  const bool half = config.precision == config::Precision::bf16 ||
                    config.precision == config::Precision::fp16 || pure;
  const double activation_bytes = half ? 2 : 4;
  if (const auto* mlp = std::get_if<config::MlpSpec>(&*config.model)) {
    m.activations_bytes = activations_mlp(*mlp, config.data.batch_size, activation_bytes);
  } else if (const auto* resnet = std::get_if<config::ResNetSpec>(&*config.model)) {
    m.activations_bytes = activations_resnet(*resnet, config.data.batch_size, activation_bytes);
  } else {
    m.activations_bytes =
        activations_decoder(std::get<config::DecoderSpec>(*config.model), config.data.seq_len,
                            config.data.batch_size, activation_bytes, config.train.checkpointing);
  }
  return m;
}

std::string memory_advice(const config::Config& config) {
  std::vector<std::string> ways;
  if (config.data.batch_size > 1) {
    ways.emplace_back("lower data.batch_size (raising train.accumulation_steps keeps the samples "
                      "per optimizer step)");
  }
  const auto* decoder = config.model ? std::get_if<config::DecoderSpec>(&*config.model) : nullptr;
  if (decoder && decoder->lora.rank == 0) ways.emplace_back("use lora");
  if (config.precision != config::Precision::bf16_pure) ways.emplace_back("precision bf16-pure");
  if (decoder && !config.train.checkpointing) ways.emplace_back("train.checkpointing");
  return ways.empty() ? "a larger device" : joined(ways, ", ") + ", or a larger device";
}

StepFlops step_flops(const Analysis& analysis, const config::Config& config) {
  StepFlops flops;
  flops.per_sample = analysis.flops_per_sample;
  flops.per_step = analysis.flops_per_sample *
                   static_cast<double>(config.data.batch_size * config.train.accumulation_steps);
  if (analysis.tokens_per_sample)
    flops.per_token = analysis.flops_per_sample / static_cast<double>(*analysis.tokens_per_sample);
  return flops;
}

} // namespace epochcost::model
