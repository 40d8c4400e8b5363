#pragma once
// The resolved, validated job description. Everything downstream (model, runner, cost, reports)
// reads this struct; nothing reads YAML again.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace epochcost::config {

enum class Loss { mse, cross_entropy };
enum class Activation { relu, gelu, tanh };

// Multi-layer perceptron; hidden = [] is linear regression.
struct MlpSpec {
  std::int64_t input_dim = 0;
  std::vector<std::int64_t> hidden;
  std::int64_t output_dim = 0;
  Loss loss = Loss::mse;
  Activation activation = Activation::relu;
};

// LoRA adapters on the named projections; the base weights are frozen. rank 0 = full fine-tuning.
struct LoraSpec {
  std::int64_t rank = 0;
  double alpha = 16;
  double dropout = 0;
  std::vector<std::string> targets = {"q", "v"}; // of q, k, v, o, gate, up, down
  // Whether the projection of that name gets an adapter (rank 0 adapts none).
  [[nodiscard]] bool adapts(std::string_view projection) const;
};

// A decoder-only transformer of the LLaMA family (DeepSeek LLM, Mistral, Qwen2): token
// embedding, RMSNorm, rotary positions, causal grouped-query attention, SwiGLU MLP, an LM head of
// its own or tied to the embedding.
struct DecoderSpec {
  std::string preset;    // "" when the shape is given key by key or by hf_config
  std::string hf_config; // a Hugging Face config.json the shape came from
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t intermediate = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t vocab = 0;
  std::int64_t context = 0; // max_position_embeddings
  double rope_theta = 10000;
  double norm_eps = 1e-6;
  bool attention_bias = false; // Qwen2 has biases on q, k, v
  bool tie_embeddings = false;
  // Mistral's attention window; 0 = full causal attention. The model here always attends over
  // the whole sequence, so a window shorter than data.seq_len makes the step an upper bound.
  std::int64_t sliding_window = 0;
  LoraSpec lora;
  [[nodiscard]] std::int64_t head_dim() const { return hidden / heads; }

  // One weight matrix of a layer, named as a LoRA target names it.
  struct Projection {
    const char* name;
    std::int64_t in, out;
  };
  // q, k, v, o, gate, up, down.
  [[nodiscard]] std::array<Projection, 7> projections() const;
};

// ResNet-18 / ResNet-50 (torchvision's layout, stride on the 3×3 of the bottleneck) on synthetic
// ImageNet-shaped batches: 3 × image_size², `classes` labels, cross-entropy.
struct ResNetSpec {
  std::int64_t depth = 50; // 18 or 50
  std::int64_t classes = 1000;
  std::int64_t image_size = 224;
  bool channels_last = false;
};

// One alternative per registered model family.
using ModelSpec = std::variant<MlpSpec, DecoderSpec, ResNetSpec>;

struct DataSpec {
  std::int64_t samples = 0;    // D: samples per epoch
  std::int64_t batch_size = 0; // B: samples per device per optimizer step
  bool drop_last = false;
  std::int64_t seq_len = 0; // tokens per sample, language models only
};

enum class OptimizerKind { sgd, adam, adamw };
struct OptimizerSpec {
  OptimizerKind name = OptimizerKind::adam;
  double lr = 1e-3;
  double momentum = 0.0;     // sgd
  double weight_decay = 0.0; // adamw defaults to 0.01 when not given
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  std::optional<bool> fused; // adam/adamw: ATen's fused kernels; unset = on CUDA only
};

// fp32 (TF32 off), tf32, bf16 / fp16 autocast with fp32 master weights (fp16 with dynamic loss
// scaling), bf16-pure: weights, gradients and optimizer state in bf16.
enum class Precision { fp32, tf32, bf16, fp16, bf16_pure };

struct DeviceSpec {
  enum class Kind { automatic, cpu, cuda };
  Kind kind = Kind::automatic;
  int index = -1; // cuda:N; -1 = the current device
  [[nodiscard]] std::string to_string() const;
};

struct TimingSpec {
  std::int64_t warmup_steps = 10;
  std::int64_t min_steps = 50;
  double min_seconds = 0.5;
  std::int64_t max_steps = 100000;
  double max_seconds = 30.0;
  double target_ci_pct = 1.0;
};

enum class PriceUnit { gpu_hour, instance_hour };

// Spot/preemptible capacity: cheaper per hour, but each interruption costs a restart and the work
// done since the last checkpoint (half the checkpoint interval on average).
struct SpotSpec {
  double interruptions_per_hour = 0;
  double restart_s = 0;             // a new instance, the image and the checkpoint loaded again
  double checkpoint_interval_s = 0; // training time between checkpoints
};

struct PricingSpec {
  std::string currency; // ISO-4217-style code, never assumed
  PriceUnit unit = PriceUnit::gpu_hour;
  double amount = 0.0;                // per GPU-hour or per instance-hour, in currency
  std::int64_t gpus = 1;              // N devices billed, training in data parallel
  std::int64_t gpus_per_instance = 0; // instance_hour only
  std::string gpu;                    // the GPU model priced (a spec-table row), if stated
  std::string catalog, instance;      // where the price came from, if from a catalog
  std::string source;                 // the catalog's source and date
  std::optional<SpotSpec> spot;       // set: amount is the spot price
};

struct ParallelSpec {
  double scaling_efficiency = 1.0; // applied only when N exceeds the devices measured
};

struct ExtraCostsSpec {
  double storage_transfer = 0.0; // per epoch, in pricing.currency
  double ops = 0.0;              // per epoch, in pricing.currency
};

// How the provider bills the instance for the whole run: exact (the formula's reading), or the
// run's wall time rounded up to whole seconds, minutes or hours.
enum class Billing { exact, per_second, per_minute, per_hour };

// What a run costs besides its epochs' training steps.
struct JobSpec {
  double provisioning_s = 0; // once per run, billed: instance start, image pull, data staging
  Billing billing = Billing::exact;
  double minimum_billed_s = 0; // the provider's minimum charge, as billed time
  double eval_s_per_epoch = 0;
  double checkpoint_s_per_epoch = 0; // time spent writing checkpoints, per epoch
};

struct TrainSpec {
  std::int64_t accumulation_steps = 1; // micro-batches per optimizer step
  double grad_clip = 0;                // max global gradient norm; 0 = no clipping
  bool checkpointing = false;          // decoder: recompute each layer in the backward pass
};

struct Config {
  std::string source; // the file it came from
  std::string name;
  std::optional<ModelSpec> model;
  DataSpec data;
  std::optional<OptimizerSpec> optimizer;
  Precision precision = Precision::fp32;
  DeviceSpec device;
  TimingSpec timing;
  PricingSpec pricing;
  ParallelSpec parallel;
  ExtraCostsSpec extra_costs;
  JobSpec job;
  TrainSpec train;
  std::int64_t epochs = 1;
  std::uint64_t seed = 0;
};

[[nodiscard]] const char* to_string(Loss loss);
[[nodiscard]] const char* to_string(Activation activation);
[[nodiscard]] const char* to_string(OptimizerKind kind);
[[nodiscard]] const char* to_string(Precision precision);
[[nodiscard]] const char* to_string(PriceUnit unit);
[[nodiscard]] const char* to_string(Billing billing);
// Three upper-case letters, ISO-4217 style (USD, EUR, CNY); no list of codes is assumed.
[[nodiscard]] bool is_currency_code(std::string_view code);
[[nodiscard]] const char* model_name(const ModelSpec& model);

// Optimizer steps in one epoch of the whole job: ceil(D / (B·N·A)) with A micro-batches of
// gradient accumulation per step, floor with drop_last. Zero steps is an InputError. (The timer
// runs real epochs of it, the cost model prices them.)
[[nodiscard]] std::int64_t steps_per_epoch(const DataSpec& data, std::int64_t devices,
                                           std::int64_t accumulation_steps = 1);

// Samples one of the pricing.gpus devices trains in step `step` of an epoch: batch_size ×
// accumulation_steps, less in the partial last step of an epoch without drop_last.
[[nodiscard]] std::int64_t device_step_samples(const Config& config, std::int64_t step);

} // namespace epochcost::config
