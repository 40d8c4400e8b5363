#include "config/loader.hpp"

#include "catalog/catalog.hpp"
#include "config/decoder_config.hpp"
#include "config/section.hpp"
#include "hardware/gpu_specs.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <type_traits>
#include <yaml-cpp/yaml.h>

namespace epochcost::config {
namespace {

using namespace detail;

// Hyperparameters reach the kernels as float: a larger value is refused here, not by LibTorch.
constexpr double max_float = 3.4028234663852886e38;

MlpSpec read_mlp(Section& s) {
  MlpSpec mlp;
  // 2^24 keeps the product of two widths (a weight matrix) and the parameter count far from
  // overflowing 64 bits.
  constexpr std::int64_t max_width = std::int64_t{1} << 24;
  mlp.input_dim = s.integer("input_dim", true, 1, max_width).value_or(0);
  mlp.output_dim = s.integer("output_dim", true, 1, max_width).value_or(0);
  if (const YAML::Node* hidden = s.get("hidden", false)) {
    if (!hidden->IsSequence()) {
      s.invalid("hidden",
                "must be a list of layer widths such as [256, 256], got " + describe(*hidden));
    } else {
      for (std::size_t i = 0; i < hidden->size(); ++i) {
        const auto width = s.read_integer(
            (*hidden)[i], s.child_path("hidden") + "[" + std::to_string(i) + "]", 1, max_width);
        if (width) mlp.hidden.push_back(*width);
      }
    }
  }
  mlp.loss = enum_choice<Loss>(s, "loss", false, {"mse", "cross_entropy"}).value_or(Loss::mse);
  mlp.activation = enum_choice<Activation>(s, "activation", false, {"relu", "gelu", "tanh"})
                       .value_or(Activation::relu);
  return mlp;
}

ResNetSpec read_resnet(Section& s) {
  ResNetSpec r;
  const auto depth = s.integer("depth", true, 1, 1000);
  if (depth && *depth != 18 && *depth != 50)
    s.invalid("depth", "must be 18 or 50, got " + std::to_string(*depth));
  r.depth = depth.value_or(50);
  r.classes = s.integer("classes", false, 1, 1 << 24).value_or(1000);
  // Five stride-2 reductions: smaller inputs leave nothing for the last stage.
  r.image_size = s.integer("image_size", false, 32, 4096).value_or(224);
  r.channels_last = s.boolean("channels_last").value_or(false);
  return r;
}

std::optional<ModelSpec> read_model(Section& s, const std::filesystem::path& config_dir) {
  const auto name = s.choice("name", true, model_names());
  if (!name) {
    s.accept_all_keys(); // an unknown model's other keys cannot be checked
    return std::nullopt;
  }
  if (model_names()[*name] == "decoder") return read_decoder(s, config_dir);
  if (model_names()[*name] == "resnet") return read_resnet(s);
  return read_mlp(s);
}

DataSpec read_data(Section& s) {
  DataSpec data;
  data.samples = s.integer("samples", true, 1).value_or(0);
  data.batch_size = s.integer("batch_size", true, 1).value_or(0);
  data.drop_last = s.boolean("drop_last").value_or(false);
  data.seq_len = s.integer("seq_len", false, 2, std::int64_t{1} << 24).value_or(0);
  return data;
}

OptimizerSpec read_optimizer(Section& s) {
  OptimizerSpec opt;
  const auto named = enum_choice<OptimizerKind>(s, "name", true, optimizer_names());
  opt.name = named.value_or(OptimizerKind::adam);
  opt.lr = s.positive_float("lr").value_or(opt.name == OptimizerKind::sgd ? 0.01 : 1e-3);
  const bool sgd = opt.name == OptimizerKind::sgd;
  if (sgd) {
    opt.momentum = s.number("momentum", false, 0.0, false, 1.0).value_or(0.0);
  } else {
    // Adam's running averages never forget with a beta of 1; LibTorch refuses it.
    for (auto [key, into, fallback] :
         {std::tuple{"beta1", &opt.beta1, 0.9}, std::tuple{"beta2", &opt.beta2, 0.999}}) {
      *into = s.number(key, false, 0.0, false, 1.0).value_or(fallback);
      if (*into == 1.0) {
        s.invalid(key, std::string("must be ≥ 0 and < 1, got 1"));
        *into = fallback;
      }
    }
    opt.eps = s.positive_float("eps").value_or(1e-8);
    opt.fused = s.boolean("fused");
  }
  const double default_decay = opt.name == OptimizerKind::adamw ? 0.01 : 0.0;
  opt.weight_decay = s.number("weight_decay", false, 0.0, false, max_float).value_or(default_decay);
  // The other family's keys, left in a file when --set optimizer.name switches the family, are a
  // mistake to explain, not a misspelling to guess at; they are judged only against a name that
  // was given and known (adam is no more than the fallback).
  const std::string name = to_string(opt.name);
  const std::vector<const char*> others =
      sgd ? std::vector<const char*>{"beta1", "beta2", "eps", "fused"}
          : std::vector<const char*>{"momentum"};
  for (const char* key : others) {
    if (s.claim(key) && named) {
      s.invalid(key, std::string("applies to ") + (sgd ? "adam and adamw" : "sgd") + ", not " +
                         name + " (optimizer.name); remove it or choose that optimizer");
    }
  }
  return opt;
}

DeviceSpec read_device(Section& root) {
  DeviceSpec device;
  const auto text = root.text("device", false);
  if (!text || *text == "auto") return device;
  if (*text == "cpu") {
    device.kind = DeviceSpec::Kind::cpu;
  } else if (*text == "cuda") {
    device.kind = DeviceSpec::Kind::cuda;
  } else if (text->starts_with("cuda:")) {
    int index = -1;
    const char* begin = text->data() + 5;
    const char* end = text->data() + text->size();
    const auto [stop, ec] = std::from_chars(begin, end, index);
    if (ec != std::errc() || stop != end || index < 0 || begin == end) {
      root.invalid("device", "must be auto, cpu, cuda or cuda:N with N ≥ 0; got '" + *text + "'");
    } else {
      device.kind = DeviceSpec::Kind::cuda;
      device.index = index;
    }
  } else {
    root.invalid("device", "must be auto, cpu, cuda or cuda:N; got '" + *text + "'" +
                               suggestion(*text, {"auto", "cpu", "cuda"}));
  }
  return device;
}

TimingSpec read_timing(Section& s) {
  TimingSpec timing;
  // Warmup is not bound by max_seconds (it pays one-time costs); a bound keeps a typo finite.
  timing.warmup_steps =
      s.integer("warmup_steps", false, 0, 1'000'000).value_or(timing.warmup_steps);
  // Two samples is the least that gives a confidence interval.
  timing.min_steps = s.integer("min_steps", false, 2).value_or(timing.min_steps);
  timing.min_seconds = s.number("min_seconds", false, 0.0).value_or(timing.min_seconds);
  timing.max_steps = s.integer("max_steps", false, 2).value_or(timing.max_steps);
  timing.max_seconds = s.number("max_seconds", false, 0.0, true).value_or(timing.max_seconds);
  timing.target_ci_pct = s.number("target_ci_pct", false, 0.0, true).value_or(timing.target_ci_pct);
  // The bound written last is the one to blame: --set timing.max_seconds=0.1 is wrong about
  // max_seconds, not about the min_seconds of the file or of the defaults.
  const auto blamed = [&s](const char* lower, const char* upper) {
    const auto& d = s.diagnostics();
    const bool upper_newer =
        d.overridden(s.child_path(upper)) && !d.overridden(s.child_path(lower));
    return upper_newer || (s.present(upper) && !s.present(lower)) ? upper : lower;
  };
  if (timing.min_seconds > timing.max_seconds) {
    s.invalid(blamed("min_seconds", "max_seconds"),
              "timing.min_seconds (" + Section::format(timing.min_seconds) +
                  ") must be ≤ timing.max_seconds (" + Section::format(timing.max_seconds) + ")");
  }
  if (timing.min_steps > timing.max_steps) {
    s.invalid(blamed("min_steps", "max_steps"),
              "timing.min_steps (" + std::to_string(timing.min_steps) +
                  ") must be ≤ timing.max_steps (" + std::to_string(timing.max_steps) + ")");
  }
  return timing;
}

// Reads the mapping under `key` with `read`, then reports the keys `read` did not ask for.
// Absent: an error when required, otherwise nullopt (the caller's defaults apply). Nested
// sections are named by their full path (pricing.spot).
template <typename Read>
auto read_section(Section& root, const std::string& key, bool required, Read read)
    -> std::optional<std::remove_cvref_t<decltype(read(root))>> {
  const YAML::Node* node = root.get(key, required);
  // An optional section set to null (e.g. --set pricing.spot=null) is absent; a required one is
  // read as empty, so that each of its required keys is reported missing.
  if (!node || (node->IsNull() && !required)) return std::nullopt;
  // A null's position is where the next key starts: its missing keys name no line.
  Section section(node->IsNull() ? YAML::Node() : *node, root.child_path(key), root.diagnostics());
  if (!node->IsMap() && !node->IsNull()) return std::nullopt; // reported by Section

  auto value = read(section);
  section.finish();
  return value;
}

SpotSpec read_spot(Section& s) {
  SpotSpec spot;
  spot.interruptions_per_hour = s.number("interruptions_per_hour", true, 0.0).value_or(0.0);
  spot.restart_s = s.number("restart_s", true, 0.0).value_or(0.0);
  spot.checkpoint_interval_s = s.number("checkpoint_interval_s", true, 0.0).value_or(0.0);
  return spot;
}

JobSpec read_job(Section& s) {
  JobSpec job;
  job.provisioning_s = s.number("provisioning_s", false, 0.0).value_or(0.0);
  job.billing =
      enum_choice<Billing>(s, "billing", false, {"exact", "per_second", "per_minute", "per_hour"})
          .value_or(Billing::exact);
  job.minimum_billed_s = s.number("minimum_billed_s", false, 0.0).value_or(0.0);
  job.eval_s_per_epoch = s.number("eval_s_per_epoch", false, 0.0).value_or(0.0);
  job.checkpoint_s_per_epoch = s.number("checkpoint_s_per_epoch", false, 0.0).value_or(0.0);
  return job;
}

PricingSpec read_pricing(Section& s, const std::filesystem::path& config_dir) {
  PricingSpec pricing;
  // A catalog entry supplies GPU model, count and price; keys given here override it.
  const catalog::Instance* entry = nullptr;
  catalog::Catalog prices;
  if (const auto name = s.text("catalog", false)) {
    try {
      prices = catalog::load(*name, catalog::search_path(config_dir), config_dir);
    } catch (const InputError& e) {
      s.invalid("catalog", e.what());
    }
    const auto instance = s.text("instance", true);
    if (instance && !prices.name.empty()) {
      entry = prices.find(*instance);
      if (!entry) {
        s.invalid("instance", "'" + *instance + "' is not in catalog " + prices.name +
                                  suggestion(*instance, prices.instance_names()) + "; it has " +
                                  join(prices.instance_names()));
      } else {
        pricing.catalog = prices.name;
        pricing.instance = entry->name;
        pricing.source = prices.citation();
      }
    }
  } else if (s.present("instance")) {
    s.invalid("instance", "names an entry of pricing.catalog, which is missing");
  }
  // With a catalog named, its entry (or the error about it) stands for the keys it supplies.
  const bool catalog_priced = entry != nullptr || s.present("catalog");
  if (const auto currency = s.currency_code("currency", !catalog_priced)) {
    pricing.currency = *currency;
  } else if (entry) {
    pricing.currency = prices.currency;
  }
  const PriceUnit catalog_unit = entry ? entry->unit : PriceUnit::gpu_hour;
  pricing.unit = enum_choice<PriceUnit>(s, "unit", false, {"gpu_hour", "instance_hour"})
                     .value_or(catalog_unit);
  pricing.spot = read_section(s, "spot", false, read_spot);
  double catalog_price = entry ? entry->price : 0.0;
  if (entry && pricing.spot) {
    if (entry->spot_price) {
      catalog_price = *entry->spot_price;
    } else if (!s.present("amount")) {
      s.invalid("spot", "catalog " + prices.name + " has no spot_price for " + entry->name +
                            "; give the spot price as pricing.amount");
    }
  }
  pricing.amount = s.number("amount", !catalog_priced, 0.0).value_or(catalog_price);
  pricing.gpus = s.integer("gpus", false, 1, 1 << 20).value_or(entry ? entry->gpus : 1);
  if (pricing.unit == PriceUnit::instance_hour) {
    pricing.gpus_per_instance = s.integer("gpus_per_instance", !catalog_priced, 1, 1 << 20)
                                    .value_or(entry ? entry->gpus : 0);
  } else if (s.present("gpus_per_instance")) {
    s.invalid("gpus_per_instance", "applies only to unit: instance_hour (unit is gpu_hour)");
  }
  if (const auto gpu = s.text("gpu", false)) {
    const hardware::NamedGpu named = hardware::gpu_named(*gpu);
    if (named.gpu) {
      pricing.gpu = named.gpu->name;
    } else {
      s.invalid("gpu", named.problem);
    }
  } else if (entry) {
    pricing.gpu = entry->gpu;
  }
  return pricing;
}

ParallelSpec read_parallel(Section& s) {
  ParallelSpec parallel;
  parallel.scaling_efficiency = s.number("scaling_efficiency", false, 0.0, true, 1.0).value_or(1.0);
  return parallel;
}

TrainSpec read_train(Section& s) {
  TrainSpec train;
  train.accumulation_steps = s.integer("accumulation_steps", false, 1, 1 << 20).value_or(1);
  train.grad_clip = s.number("grad_clip", false, 0.0, false, max_float).value_or(0.0);
  train.checkpointing = s.boolean("checkpointing").value_or(false);
  return train;
}

ExtraCostsSpec read_extra_costs(Section& s) {
  ExtraCostsSpec extra;
  extra.storage_transfer = s.number("storage_transfer", false, 0.0).value_or(0.0);
  extra.ops = s.number("ops", false, 0.0).value_or(0.0);
  return extra;
}

// Splits "a.b.c=value" and writes value (parsed as YAML) into the document.
void apply_override(YAML::Node& root, const std::string& assignment,
                    std::map<std::string, std::string>& origins) {
  const auto equals = assignment.find('=');
  const std::string origin = "--set " + assignment;
  if (equals == std::string::npos || equals == 0) {
    throw InputError(origin + ": expected key.path=value, e.g. --set data.batch_size=64");
  }
  const std::string path = assignment.substr(0, equals);
  std::vector<std::string> keys;
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    keys.push_back(path.substr(start, dot - start));
    if (keys.back().empty()) throw InputError(origin + ": empty key in '" + path + "'");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::vector<YAML::Node> values;
  try {
    values = YAML::LoadAll(assignment.substr(equals + 1));
  } catch (const YAML::Exception& e) {
    throw InputError(origin + ": value is not valid YAML: " + e.msg);
  }
  if (values.size() > 1) {
    throw InputError(origin + ": value holds " + std::to_string(values.size()) +
                     " YAML documents (separated by ---); it must be one value");
  }
  const YAML::Node value = values.empty() ? YAML::Node() : values.front();
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  YAML::Node current = root;
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    if (!current.IsMap()) {
      throw InputError(origin + ": '" + (i == 0 ? std::string("(top level)") : keys[i - 1]) +
                       "' is not a mapping, cannot set a key in it");
    }
    YAML::Node next = current[keys[i]];
    if (!next.IsDefined() || next.IsNull()) {
      current[keys[i]] = YAML::Node(YAML::NodeType::Map);
      next = current[keys[i]];
    }
    current.reset(next);
  }
  if (!current.IsMap()) {
    throw InputError(origin + ": the parent of '" + keys.back() + "' is not a mapping");
  }
  current[keys.back()] = value;
  origins[path] = origin;
}

// An update B·A of a d_in × d_out weight has rank min(d_in, d_out) at most: a higher LoRA rank
// trains more parameters for no more capacity, which no one means to pay for.
void check_lora_rank(Section& root, const DecoderSpec& decoder) {
  const auto& lora = decoder.lora;
  const bool shaped = decoder.hidden > 0 && decoder.heads > 0 && decoder.kv_heads > 0 &&
                      decoder.intermediate > 0 && decoder.hidden % decoder.heads == 0;
  if (lora.rank <= 0 || !shaped) return;
  for (const auto& projection : decoder.projections()) {
    const std::int64_t limit = std::min(projection.in, projection.out);
    if (!lora.adapts(projection.name) || lora.rank <= limit) continue;
    root.invalid("lora.rank", "must be ≤ " + std::to_string(limit) + " for target " +
                                  projection.name + " (a " + std::to_string(projection.in) + " × " +
                                  std::to_string(projection.out) +
                                  " weight, whose update cannot have a higher rank); got " +
                                  std::to_string(lora.rank));
    return;
  }
}

// Keys that depend on the model family: seq_len and lora belong to the decoder.
void check_model_data(Section& root, Config& config, const std::optional<LoraSpec>& lora) {
  auto* decoder = config.model ? std::get_if<DecoderSpec>(&*config.model) : nullptr;
  if (decoder) {
    if (lora) decoder->lora = *lora;
    check_lora_rank(root, *decoder);
    const YAML::Node& data = root.node()["data"];
    // A seq_len that was given but refused is reported already, as the value it is.
    const bool seq_len_given = data.IsMap() && data["seq_len"].IsDefined();
    if (config.data.seq_len == 0 && !seq_len_given) {
      root.invalid("data", "data.seq_len is required for model decoder (tokens per sample)");
    } else if (decoder->context > 0 && config.data.seq_len > decoder->context) {
      root.invalid("data", "data.seq_len (" + std::to_string(config.data.seq_len) +
                               ") must be ≤ model.context (" + std::to_string(decoder->context) +
                               ")");
    }
    return;
  }
  if (config.model && config.data.seq_len > 0) {
    root.invalid("data", "data.seq_len applies only to model decoder");
  }
  if (config.model && config.train.checkpointing) {
    root.invalid("train", "train.checkpointing applies only to model decoder");
  }
  if (config.model && lora && lora->rank > 0) {
    root.invalid("lora", "lora applies only to model decoder");
  }
}

// A ResNet at 32×32 pixels ends at 1×1, where BatchNorm in training needs two samples per
// channel: a micro-batch of one sample (batch_size 1, or the epoch's partial last step) would fail
// after the measurement in LibTorch, as it would in the user's own training.
// `per_step`: the samples of one step of the whole job (0 when too many to count).
void check_batch_norm(Section& root, const Config& config, std::int64_t per_step) {
  const auto* resnet = config.model ? std::get_if<ResNetSpec>(&*config.model) : nullptr;
  constexpr std::int64_t reduction = 32; // five stride-2 stages
  if (!resnet || resnet->image_size > reduction || per_step <= 0) return;
  const auto& data = config.data;
  if (data.batch_size == 1) {
    root.invalid("data", "data.batch_size 1 with model.image_size " +
                             std::to_string(resnet->image_size) +
                             ": BatchNorm at the last stage's 1×1 needs 2 samples or more in "
                             "training; use a batch of 2 or more, or an image_size above 32");
    return;
  }
  if (data.drop_last || data.samples <= 0) return;
  // The last step of the epoch, in micro-batches of batch_size.
  const std::int64_t last_step = (data.samples - 1) / per_step;
  if (device_step_samples(config, last_step) % data.batch_size == 1) {
    root.invalid("data", "the epoch's last step trains a micro-batch of 1 sample (data.samples " +
                             std::to_string(data.samples) +
                             "), and BatchNorm at the last stage's 1×1 (model.image_size " +
                             std::to_string(resnet->image_size) +
                             ") needs 2 or more in training; set data.drop_last: true, "
                             "another data.samples, or an image_size above 32");
  }
}

Config validate(const YAML::Node& document, const std::string& source,
                std::map<std::string, std::string> origins, Purpose purpose) {
  Diagnostics diagnostics(source, std::move(origins));
  if (!document.IsDefined() || document.IsNull()) {
    diagnostics.add_document("the config is empty (expected a mapping with data, pricing, ...)");
    diagnostics.raise();
  }
  Section root(document, "", diagnostics);
  if (!diagnostics.empty()) diagnostics.raise();

  const bool run = purpose == Purpose::run;
  Config config;
  config.source = source;
  config.name = root.text("name", false).value_or(std::filesystem::path(source).stem().string());
  const auto config_dir = std::filesystem::path(source).parent_path();
  // A cost-only config (no model) is for estimate: say so where a training command meets one.
  const bool modelless = run && !root.present("model");
  if (modelless) {
    diagnostics.add(Rank::missing_key, "model", document,
                    "required key is missing: run and info build the model; a config without one "
                    "is priced by estimate (validate --for estimate checks it)");
  }
  config.model = read_section(root, "model", run && !modelless, [&](Section& s) {
                   return read_model(s, config_dir);
                 }).value_or(std::nullopt);
  const auto lora = read_section(root, "lora", false, read_lora);
  config.data = read_section(root, "data", true, read_data).value_or(DataSpec{});
  config.optimizer = read_section(root, "optimizer", run, read_optimizer);
  config.precision =
      enum_choice<Precision>(root, "precision", false, precision_names()).value_or(Precision::fp32);
  config.device = read_device(root);
  config.timing = read_section(root, "timing", false, read_timing).value_or(TimingSpec{});
  config.pricing = read_section(root, "pricing", true, [&](Section& s) {
                     return read_pricing(s, config_dir);
                   }).value_or(PricingSpec{});
  config.parallel = read_section(root, "parallel", false, read_parallel).value_or(ParallelSpec{});
  config.train = read_section(root, "train", false, read_train).value_or(TrainSpec{});
  config.extra_costs =
      read_section(root, "extra_costs", false, read_extra_costs).value_or(ExtraCostsSpec{});
  config.job = read_section(root, "job", false, read_job).value_or(JobSpec{});
  config.epochs = root.integer("epochs", false, 1).value_or(1);
  config.seed = static_cast<std::uint64_t>(root.integer("seed", false, 0).value_or(0));
  root.finish();

  check_model_data(root, config, lora);

  // Each factor is bounded, their product is not: a step of more than 2^53 samples is refused
  // before it can overflow the step counts downstream.
  const double per_step_samples = double(config.data.batch_size) * double(config.pricing.gpus) *
                                  double(config.train.accumulation_steps);
  const bool too_large = per_step_samples > double(max_count);
  if (too_large) {
    root.invalid("data", "data.batch_size × pricing.gpus × train.accumulation_steps = " +
                             Section::format(per_step_samples) +
                             " samples per step, more than 2^53");
  }
  // Up to 2^53 the double product is exact.
  const auto per_step = too_large ? std::int64_t{0} : static_cast<std::int64_t>(per_step_samples);
  if (config.data.drop_last && per_step > 0 && config.data.samples > 0 &&
      config.data.samples < per_step) {
    root.invalid("data", "with drop_last, data.samples (" + std::to_string(config.data.samples) +
                             ") < data.batch_size (" + std::to_string(config.data.batch_size) +
                             ") × pricing.gpus (" + std::to_string(config.pricing.gpus) +
                             ") × train.accumulation_steps (" +
                             std::to_string(config.train.accumulation_steps) +
                             "): the epoch would have no step");
  }
  check_batch_norm(root, config, per_step);
  if (!diagnostics.empty()) diagnostics.raise();
  return config;
}

} // namespace

PricingDocument load_pricing_document(const std::filesystem::path& path) {
  const std::string text = read_text_file(path, "pricing file");
  const YAML::Node document = load_document(text, path.string());
  Diagnostics diagnostics(path.string(), {}, "pricing file");
  if (!document.IsDefined() || document.IsNull()) {
    diagnostics.add_document("the pricing file is empty (expected a mapping with pricing, ...)");
    diagnostics.raise();
  }
  Section root(document, "", diagnostics);
  if (!diagnostics.empty()) diagnostics.raise();
  PricingDocument prices;
  prices.source = path.string();
  prices.pricing = read_section(root, "pricing", true, [&](Section& s) {
                     return read_pricing(s, path.parent_path());
                   }).value_or(PricingSpec{});
  prices.extra_costs = read_section(root, "extra_costs", false, read_extra_costs);
  prices.job = read_section(root, "job", false, read_job);
  prices.parallel = read_section(root, "parallel", false, read_parallel);
  prices.epochs = root.integer("epochs", false, 1);
  root.finish();
  if (!diagnostics.empty()) diagnostics.raise();
  return prices;
}

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"mlp", "decoder", "resnet"};
  return names;
}

const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (auto p = Precision::fp32; p <= Precision::bf16_pure;
         p = static_cast<Precision>(static_cast<int>(p) + 1))
      all.emplace_back(to_string(p));
    return all;
  }();
  return names;
}

std::optional<Precision> parse_precision(const std::string& name) {
  const auto& names = precision_names();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) return std::nullopt;
  return static_cast<Precision>(found - names.begin());
}

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd", "adam", "adamw"};
  return names;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Config parse_config(const std::string& yaml_text, const std::string& source_name,
                    const std::vector<std::string>& overrides, Purpose purpose) {
  YAML::Node document = load_document(yaml_text, source_name);
  std::map<std::string, std::string> origins;
  for (const auto& assignment : overrides)
    apply_override(document, assignment, origins);
  return validate(document, source_name, std::move(origins), purpose);
}

Config load_config(const std::filesystem::path& path, const std::vector<std::string>& overrides,
                   Purpose purpose) {
  const std::string text = read_text_file(path, "config");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(path.string() + ": the config file is empty");
  }
  return parse_config(text, path.string(), overrides, purpose);
}

} // namespace epochcost::config
