#include "config/loader.hpp"

#include "util/errors.hpp"
#include "util/files.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>
#include <yaml-cpp/yaml.h>

namespace epochcost::config {
namespace {

constexpr std::int64_t max_count = std::int64_t{1} << 53; // exactly representable as a double
constexpr double infinity = HUGE_VAL;

// Problems are collected, then reported together: unknown keys first (a misspelt key is usually
// also the cause of a "missing" error), then invalid values, then missing keys.
enum class Rank { unknown_key = 0, invalid_value = 1, missing_key = 2 };

class Diagnostics {
public:
  Diagnostics(std::string source, std::map<std::string, std::string> override_origins)
      : source_(std::move(source)), override_origins_(std::move(override_origins)) {}

  void add(Rank rank, const std::string& path, const YAML::Node& near, const std::string& text) {
    items_.push_back({rank, line_of(near), where(path, near) + ": " + path + ": " + text});
  }
  // A problem with the document itself rather than one key.
  void add_document(const std::string& text) {
    items_.push_back({Rank::invalid_value, 0, source_ + ": " + text});
  }
  [[nodiscard]] bool empty() const { return items_.empty(); }

  [[noreturn]] void raise() const {
    auto sorted = items_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Item& a, const Item& b) {
      return a.rank != b.rank ? a.rank < b.rank : a.line < b.line;
    });
    std::ostringstream out;
    if (sorted.size() > 1) out << sorted.size() << " errors in config " << source_ << ":\n";
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i > 0) out << '\n';
      out << (sorted.size() > 1 ? "  " : "") << sorted[i].text;
    }
    throw InputError(out.str());
  }

private:
  struct Item {
    Rank rank;
    int line;
    std::string text;
  };

  static int line_of(const YAML::Node& node) {
    return node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  }

  std::string where(const std::string& path, const YAML::Node& near) const {
    // The longest --set path that is this key or one of its parents explains the value.
    const std::string* origin = nullptr;
    std::size_t best = 0;
    for (const auto& [key, text] : override_origins_) {
      const bool covers = path == key || path.starts_with(key + ".") || key.starts_with(path + ".");
      if (covers && key.size() >= best) {
        best = key.size();
        origin = &text;
      }
    }
    if (origin) return *origin;
    const int line = line_of(near);
    return line > 0 ? source_ + ":" + std::to_string(line) : source_;
  }

  std::string source_;
  std::map<std::string, std::string> override_origins_;
  std::vector<Item> items_;
};

std::string join(const std::vector<std::string>& words, const char* separator = ", ") {
  std::string out;
  for (const auto& w : words)
    out += (out.empty() ? "" : separator) + w;
  return out;
}

std::string suggestion(const std::string& given, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(given, c);
    if (!best || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  const std::size_t tolerated = std::max<std::size_t>(2, given.size() / 3);
  return best && best_distance <= tolerated ? " (did you mean '" + *best + "'?)" : "";
}

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return node.Tag() == "!" ? "'" + node.Scalar() + "'" : node.Scalar();
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing (null)";
}

// Numbers as YAML 1.2 core writes them; quoted scalars are strings, not numbers.
std::optional<double> as_number(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() == "!") return std::nullopt;
  std::string text = node.Scalar();
  if (text == ".inf" || text == "+.inf" || text == ".Inf") return infinity;
  if (text == "-.inf" || text == "-.Inf") return -infinity;
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return std::nan("");
  if (!text.empty() && text.front() == '+') text.erase(0, 1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A YAML mapping being read: every key the schema asks for is remembered, so that whatever is
// left over at finish() is an unknown key.
class Section {
public:
  Section(const YAML::Node& node, std::string path, Diagnostics& diagnostics)
      : node_(node), path_(std::move(path)), diagnostics_(diagnostics) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      diagnostics_.add(Rank::invalid_value, path_.empty() ? "(top level)" : path_, node,
                       "must be a mapping of keys to values, got " + describe(node));
      return;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        diagnostics_.add(Rank::invalid_value, path_, it->first, "keys must be plain names");
        continue;
      }
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        diagnostics_.add(Rank::invalid_value, child_path(key), it->first,
                         "duplicate key (each key may appear once)");
        continue;
      }
      entries_.emplace_back(key, it->second);
    }
  }

  [[nodiscard]] bool present(const std::string& key) {
    asked_.push_back(key);
    return find(key) != nullptr;
  }
  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string child_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  Diagnostics& diagnostics() { return diagnostics_; }

  // The value node of `key`, or nullptr (after reporting it when required).
  const YAML::Node* get(const std::string& key, bool required) {
    asked_.push_back(key);
    const YAML::Node* found = find(key);
    if (!found && required) {
      diagnostics_.add(Rank::missing_key, child_path(key), node_, "required key is missing");
    }
    return found;
  }

  void invalid(const std::string& key, const std::string& text) {
    const YAML::Node* found = find(key);
    diagnostics_.add(Rank::invalid_value, child_path(key), found ? *found : node_, text);
  }

  std::optional<std::int64_t> integer(const std::string& key, bool required, std::int64_t min,
                                      std::int64_t max = max_count) {
    const YAML::Node* node = get(key, required);
    if (!node) return std::nullopt;
    return read_integer(*node, child_path(key), min, max);
  }

  std::optional<std::int64_t> read_integer(const YAML::Node& node, const std::string& path,
                                           std::int64_t min, std::int64_t max) {
    const auto value = as_number(node);
    if (!value || !std::isfinite(*value) || std::trunc(*value) != *value) {
      diagnostics_.add(Rank::invalid_value, path, node,
                       "must be an integer, got " + describe(node));
      return std::nullopt;
    }
    if (*value < static_cast<double>(min)) {
      diagnostics_.add(Rank::invalid_value, path, node,
                       "must be ≥ " + std::to_string(min) + ", got " + node.Scalar());
      return std::nullopt;
    }
    if (*value > static_cast<double>(max)) {
      diagnostics_.add(Rank::invalid_value, path, node,
                       "must be ≤ " + std::to_string(max) + (max == max_count ? " (2^53)" : "") +
                           ", got " + node.Scalar());
      return std::nullopt;
    }
    return static_cast<std::int64_t>(*value);
  }

  // A finite number in [min, max]; `min_exclusive` makes the lower bound strict.
  std::optional<double> number(const std::string& key, bool required, double min,
                               bool min_exclusive = false, double max = infinity) {
    const YAML::Node* node = get(key, required);
    if (!node) return std::nullopt;
    const auto value = as_number(*node);
    const std::string bound = std::string(min_exclusive ? "> " : "≥ ") + format(min) +
                              (max < infinity ? " and ≤ " + format(max) : "");
    if (!value || !std::isfinite(*value)) {
      invalid(key, "must be a finite number " + bound + ", got " + describe(*node));
      return std::nullopt;
    }
    if (*value < min || (min_exclusive && *value == min) || *value > max) {
      invalid(key, "must be " + bound + ", got " + node->Scalar());
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> boolean(const std::string& key) {
    const YAML::Node* node = get(key, false);
    if (!node) return std::nullopt;
    const std::string text = node->IsScalar() && node->Tag() != "!" ? node->Scalar() : "";
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
    invalid(key, "must be true or false, got " + describe(*node));
    return std::nullopt;
  }

  std::optional<std::string> text(const std::string& key, bool required) {
    const YAML::Node* node = get(key, required);
    if (!node) return std::nullopt;
    if (!node->IsScalar() || node->Scalar().empty()) {
      invalid(key, "must be a non-empty string, got " + describe(*node));
      return std::nullopt;
    }
    return node->Scalar();
  }

  // One of `names`; returns its index.
  std::optional<std::size_t> choice(const std::string& key, bool required,
                                    const std::vector<std::string>& names) {
    const auto given = text(key, required);
    if (!given) return std::nullopt;
    const auto it = std::find(names.begin(), names.end(), *given);
    if (it == names.end()) {
      invalid(key, "must be one of " + join(names) + "; got '" + *given + "'" +
                       suggestion(*given, names));
      return std::nullopt;
    }
    return static_cast<std::size_t>(it - names.begin());
  }

  // Stops finish() from reporting any key of this mapping.
  void accept_all_keys() {
    for (const auto& entry : entries_)
      asked_.push_back(entry.first);
  }

  // Reports keys nobody asked for, with the nearest known key.
  void finish() {
    for (const auto& [key, value] : entries_) {
      if (std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
      diagnostics_.add(Rank::unknown_key, child_path(key), value,
                       "unknown key" + (asked_.empty() ? std::string() : suggestion(key, asked_)));
    }
  }

  static std::string format(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
  }

private:
  const YAML::Node* find(const std::string& key) const {
    for (const auto& [name, value] : entries_) {
      if (name == key) return &value;
    }
    return nullptr;
  }

  YAML::Node node_;
  std::string path_;
  Diagnostics& diagnostics_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  std::vector<std::string> asked_;
};

template <typename Enum>
std::optional<Enum> enum_choice(Section& s, const std::string& key, bool required,
                                const std::vector<std::string>& names) {
  const auto index = s.choice(key, required, names);
  return index ? std::optional<Enum>(static_cast<Enum>(*index)) : std::nullopt;
}

MlpSpec read_mlp(Section& s) {
  MlpSpec mlp;
  constexpr std::int64_t max_width = std::int64_t{1} << 31;
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

std::optional<ModelSpec> read_model(Section& s) {
  const auto name = s.choice("name", true, model_names());
  if (!name) {
    s.accept_all_keys(); // an unknown model's other keys cannot be checked
    return std::nullopt;
  }
  return read_mlp(s);
}

DataSpec read_data(Section& s) {
  DataSpec data;
  data.samples = s.integer("samples", true, 1).value_or(0);
  data.batch_size = s.integer("batch_size", true, 1).value_or(0);
  data.drop_last = s.boolean("drop_last").value_or(false);
  return data;
}

OptimizerSpec read_optimizer(Section& s) {
  OptimizerSpec opt;
  opt.name = enum_choice<OptimizerKind>(s, "name", true, {"sgd", "adam", "adamw"})
                 .value_or(OptimizerKind::adam);
  opt.lr = s.number("lr", false, 0.0, true).value_or(opt.name == OptimizerKind::sgd ? 0.01 : 1e-3);
  const bool sgd = opt.name == OptimizerKind::sgd;
  if (sgd) {
    opt.momentum = s.number("momentum", false, 0.0, false, 1.0).value_or(0.0);
  } else {
    opt.beta1 = s.number("beta1", false, 0.0, false, 1.0).value_or(0.9);
    opt.beta2 = s.number("beta2", false, 0.0, false, 1.0).value_or(0.999);
    opt.eps = s.number("eps", false, 0.0, true).value_or(1e-8);
  }
  const double default_decay = opt.name == OptimizerKind::adamw ? 0.01 : 0.0;
  opt.weight_decay = s.number("weight_decay", false, 0.0).value_or(default_decay);
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
  timing.warmup_steps = s.integer("warmup_steps", false, 0).value_or(timing.warmup_steps);
  // Two samples is the least that gives a confidence interval.
  timing.min_steps = s.integer("min_steps", false, 2).value_or(timing.min_steps);
  timing.min_seconds = s.number("min_seconds", false, 0.0).value_or(timing.min_seconds);
  timing.max_steps = s.integer("max_steps", false, 2).value_or(timing.max_steps);
  timing.max_seconds = s.number("max_seconds", false, 0.0, true).value_or(timing.max_seconds);
  timing.target_ci_pct = s.number("target_ci_pct", false, 0.0, true).value_or(timing.target_ci_pct);
  if (timing.min_seconds > timing.max_seconds) {
    s.invalid("min_seconds", "timing.min_seconds (" + Section::format(timing.min_seconds) +
                                 ") must be ≤ timing.max_seconds (" +
                                 Section::format(timing.max_seconds) + ")");
  }
  if (timing.min_steps > timing.max_steps) {
    s.invalid("min_steps", "timing.min_steps (" + std::to_string(timing.min_steps) +
                               ") must be ≤ timing.max_steps (" + std::to_string(timing.max_steps) +
                               ")");
  }
  return timing;
}

PricingSpec read_pricing(Section& s) {
  PricingSpec pricing;
  if (const auto currency = s.text("currency", true)) {
    const bool code =
        currency->size() == 3 && std::all_of(currency->begin(), currency->end(),
                                             [](char c) { return c >= 'A' && c <= 'Z'; });
    if (code) {
      pricing.currency = *currency;
    } else {
      s.invalid("currency", "must be a 3-letter upper-case currency code such as USD, EUR or "
                            "CNY; got '" +
                                *currency + "'");
    }
  }
  pricing.unit = enum_choice<PriceUnit>(s, "unit", false, {"gpu_hour", "instance_hour"})
                     .value_or(PriceUnit::gpu_hour);
  pricing.amount = s.number("amount", true, 0.0).value_or(0.0);
  pricing.gpus = s.integer("gpus", false, 1, 1 << 20).value_or(1);
  if (pricing.unit == PriceUnit::instance_hour) {
    pricing.gpus_per_instance = s.integer("gpus_per_instance", true, 1, 1 << 20).value_or(0);
  } else if (s.present("gpus_per_instance")) {
    s.invalid("gpus_per_instance", "applies only to unit: instance_hour (unit is gpu_hour)");
  }
  return pricing;
}

ParallelSpec read_parallel(Section& s) {
  ParallelSpec parallel;
  parallel.scaling_efficiency = s.number("scaling_efficiency", false, 0.0, true, 1.0).value_or(1.0);
  return parallel;
}

ExtraCostsSpec read_extra_costs(Section& s) {
  ExtraCostsSpec extra;
  extra.storage_transfer = s.number("storage_transfer", false, 0.0).value_or(0.0);
  extra.ops = s.number("ops", false, 0.0).value_or(0.0);
  return extra;
}

// Reads the mapping under `key` with `read`, then reports the keys `read` did not ask for.
// Absent: an error when required, otherwise nullopt (the caller's defaults apply).
template <typename Read>
auto read_section(Section& root, const std::string& key, bool required, Read read)
    -> std::optional<std::remove_cvref_t<decltype(read(root))>> {
  const YAML::Node* node = root.get(key, required);
  if (!node) return std::nullopt;
  Section section(*node, key, root.diagnostics());
  auto value = read(section);
  section.finish();
  return value;
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
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(equals + 1));
  } catch (const YAML::Exception& e) {
    throw InputError(origin + ": value is not valid YAML: " + e.msg);
  }
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
  config.model = read_section(root, "model", run, read_model).value_or(std::nullopt);
  config.data = read_section(root, "data", true, read_data).value_or(DataSpec{});
  config.optimizer = read_section(root, "optimizer", run, read_optimizer);
  config.precision = enum_choice<Precision>(root, "precision", false, {"fp32", "tf32", "bf16"})
                         .value_or(Precision::fp32);
  config.device = read_device(root);
  config.timing = read_section(root, "timing", false, read_timing).value_or(TimingSpec{});
  config.pricing = read_section(root, "pricing", true, read_pricing).value_or(PricingSpec{});
  config.parallel = read_section(root, "parallel", false, read_parallel).value_or(ParallelSpec{});
  config.extra_costs =
      read_section(root, "extra_costs", false, read_extra_costs).value_or(ExtraCostsSpec{});
  config.epochs = root.integer("epochs", false, 1).value_or(1);
  config.seed = static_cast<std::uint64_t>(root.integer("seed", false, 0).value_or(0));
  root.finish();

  const std::int64_t per_step = config.data.batch_size * config.pricing.gpus;
  if (config.data.drop_last && per_step > 0 && config.data.samples > 0 &&
      config.data.samples < per_step) {
    root.invalid("data", "with drop_last, data.samples (" + std::to_string(config.data.samples) +
                             ") < data.batch_size (" + std::to_string(config.data.batch_size) +
                             ") × pricing.gpus (" + std::to_string(config.pricing.gpus) +
                             "): the epoch would have no step");
  }
  if (!diagnostics.empty()) diagnostics.raise();
  return config;
}

} // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"mlp"};
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
  YAML::Node document;
  try {
    document = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw InputError(source_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
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
