#include "report/result_reader.hpp"

#include "config/loader.hpp"
#include "report/result.hpp"
#include "util/errors.hpp"
#include "util/text.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <regex>
#include <sstream>
#include <vector>

namespace epochcost::report {
namespace {

// What a figure must be. Every number must also be finite.
enum class Kind {
  positive,     // > 0: times, FLOPs, throughputs
  non_negative, // >= 0: money, bytes, shares
  count,        // an integer in [1, 2^53]: samples, batches, devices, epochs
  fraction,     // in (0, 1]: scaling efficiency
  flag,
  text,
  object,
  list,
  texts,     // a list of strings
  timestamp, // RFC 3339
};

enum class Presence {
  optional, // absent or null: not known (a statistic of too few samples, an estimate's timing)
  not_null, // absent or a value: the config's readers default an absent key but fail on null
  measured, // required of measurements only: an estimate has no device and 0 devices measured
};

enum class Shape {
  value,
  interval, // [low, high], or a statistic's ci95_low and ci95_high; each a figure of the kind
};

struct Rule {
  std::string path;
  Kind kind;
  Presence presence = Presence::optional;
  Shape shape = Shape::value;
  const std::vector<std::string>* choices = nullptr; // a text's values, when they are few
};

// 2^53: the integers a double holds exactly, which is how the cost model computes with counts.
constexpr double max_count = 9007199254740992.0;

// The figures of epochcost.result/1 (docs/cli.md) that the readers use or pass on, with the range
// that the tool itself always writes.
const std::vector<Rule>& rules() {
  static const std::vector<Rule> table = [] {
    std::vector<Rule> t = {
        // A missing section is named by the read that needs it ("the result has no cost.currency").
        {"config", Kind::object},
        {"epoch", Kind::object},
        {"cost", Kind::object},
        {"environment", Kind::object},
        // What prices an epoch (config::cost_inputs_from_json reads these).
        {"config.data.samples", Kind::count, Presence::not_null},
        {"config.data.batch_size", Kind::count, Presence::not_null},
        {"config.data.drop_last", Kind::flag, Presence::not_null},
        {"config.data.seq_len", Kind::count},
        {"config.train", Kind::object, Presence::not_null},
        {"config.train.accumulation_steps", Kind::count, Presence::not_null},
        {"config.parallel", Kind::object, Presence::not_null},
        {"config.parallel.scaling_efficiency", Kind::fraction, Presence::not_null},
        {"config.extra_costs", Kind::object, Presence::not_null},
        {"config.extra_costs.storage_transfer", Kind::non_negative, Presence::not_null},
        {"config.extra_costs.ops", Kind::non_negative, Presence::not_null},
        {"config.job", Kind::object},
        {"config.job.billing", Kind::text, Presence::not_null},
        {"config.epochs", Kind::count, Presence::not_null},
        // What names the workload and the GPU.
        {"config.model", Kind::object},
        {"config.optimizer", Kind::object},
        {"config.optimizer.name", Kind::text, Presence::optional, Shape::value,
         &config::optimizer_names()},
        {"config.precision", Kind::text, Presence::optional, Shape::value,
         &config::precision_names()},
        {"config.pricing", Kind::object},
        {"config.pricing.gpu", Kind::text},
        {"config.pricing.gpus", Kind::count},
        {"config.pricing.amount", Kind::non_negative},
        {"command", Kind::text},
        {"environment.timestamp", Kind::timestamp},
        {"environment.device", Kind::text, Presence::measured},
        {"environment.device_name", Kind::text, Presence::measured},
        // The epoch and its cost.
        {"epoch.batches", Kind::count},
        {"epoch.seconds", Kind::positive},
        {"epoch.seconds_ci95", Kind::positive, Presence::optional, Shape::interval},
        {"epoch.t_batch_s", Kind::positive},
        {"epoch.devices_billed", Kind::count},
        {"epoch.devices_measured", Kind::count, Presence::measured},
        {"epoch.scaled_by_assumption", Kind::flag},
        {"epoch.scaling_efficiency", Kind::fraction},
        {"cost.currency", Kind::text},
        {"cost.epochs", Kind::count},
        {"cost.per_epoch_ci95", Kind::non_negative, Presence::optional, Shape::interval},
        // What the model costs by formula, and what the run took.
        {"flops.per_step", Kind::positive},
        {"flops.per_sample", Kind::positive},
        {"flops.per_token", Kind::positive},
        {"flops.achieved_tflops", Kind::non_negative},
        {"flops.mfu", Kind::non_negative},
        {"flops.peak_tflops", Kind::positive},
        {"memory.peak_allocated_bytes", Kind::non_negative},
        {"memory.peak_reserved_bytes", Kind::non_negative},
        {"memory.estimate_bytes", Kind::non_negative},
        {"params.total", Kind::count},
        {"params.trainable", Kind::count},
        // Re-pricing appends to these.
        {"warnings", Kind::texts},
        {"notes", Kind::texts},
    };
    for (const char* key :
         {"price_per_hour", "billed_units", "compute_per_epoch", "eval_checkpoint_per_epoch",
          "spot_overhead_per_epoch", "storage_transfer_per_epoch", "ops_per_epoch", "per_epoch",
          "fixed_per_run", "total", "epoch_wall_s", "job_wall_s", "job_billed_s"})
      t.push_back({std::string("cost.") + key, Kind::non_negative});
    for (const char* key :
         {"provisioning_s", "minimum_billed_s", "eval_s_per_epoch", "checkpoint_s_per_epoch"})
      t.push_back({std::string("config.job.") + key, Kind::non_negative, Presence::not_null});
    for (const char* key :
         {"weights_bytes", "gradients_bytes", "optimizer_bytes", "activations_bytes"})
      t.push_back({std::string("memory.estimate.") + key, Kind::non_negative});
    for (const char* key :
         {"samples_per_s", "samples_per_s_per_device", "tokens_per_s", "tokens_per_s_per_device"})
      t.push_back({std::string("throughput.") + key, Kind::positive});
    // Every phase is timed work, so a mean of 0 is a damaged file, not a fast phase.
    std::vector<std::string> statistics{"timing.t_batch_s", "timing.instrumented_step_s"};
    for (const char* phase : phase_names)
      statistics.push_back(std::string("timing.phases.") + phase);
    for (const auto& statistic : statistics) {
      t.push_back({statistic + ".mean", Kind::positive});
      t.push_back({statistic, Kind::positive, Presence::optional, Shape::interval});
      t.push_back({statistic + ".ci95_half_width_pct", Kind::non_negative});
    }
    return t;
  }();
  return table;
}

const Rule* rule_for(const std::string& path, Shape shape) {
  for (const auto& rule : rules()) {
    if (rule.path == path && rule.shape == shape) return &rule;
  }
  return nullptr;
}

// A JSON value as a message quotes it; a non-finite double (dumped as null) as inf or nan.
std::string quoted(const nlohmann::json& value) {
  if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    std::ostringstream text;
    text << value.get<double>();
    return text.str();
  }
  return value.dump();
}

} // namespace

std::optional<std::string> utc_rfc3339(const std::string& text) {
  // RFC 3339 section 5.6: full-date "T" full-time, with time-secfrac and time-offset.
  static const std::regex pattern(R"((\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2}))"
                                  R"((?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2})))");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  const auto field = [&m](int i) { return std::stoi(m[i].str()); };
  using namespace std::chrono;
  const year_month_day date{year{field(1)}, month{static_cast<unsigned>(field(2))},
                            day{static_cast<unsigned>(field(3))}};
  // Second 60 is a leap second, which the arithmetic below carries into the next minute.
  if (!date.ok() || field(4) > 23 || field(5) > 59 || field(6) > 60) return std::nullopt;
  const std::string fraction = (m[7].str() + "000").substr(0, 3);
  auto time = sys_days(date) + hours(field(4)) + minutes(field(5)) + seconds(field(6)) +
              milliseconds(std::stoi(fraction));
  if (m[9].matched) {
    if (field(10) > 23 || field(11) > 59) return std::nullopt;
    const auto offset = hours(field(10)) + minutes(field(11));
    time += m[9].str() == "+" ? -offset : offset;
  }
  const auto days_part = floor<days>(time);
  const year_month_day utc{days_part};
  const hh_mm_ss<milliseconds> clock{time - days_part};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(utc.year()),
                unsigned(utc.month()), unsigned(utc.day()), int(clock.hours().count()),
                int(clock.minutes().count()), int(clock.seconds().count()),
                int(clock.subseconds().count()));
  return std::string(out);
}

const nlohmann::json* ResultReader::find(const std::string& path) const {
  const nlohmann::json* node = &result_;
  for (std::size_t start = 0; start <= path.size();) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot - start);
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node;
}

const nlohmann::json& ResultReader::at(const std::string& path) const {
  const nlohmann::json* node = find(path);
  if (node && !node->is_null()) return *node;
  // The first section missing (or null) on the way is what is missing: "no epoch", not only
  // "no epoch.seconds".
  for (auto dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) {
    if (!has(path.substr(0, dot))) {
      throw InputError(file_ + ": the result has no " + path.substr(0, dot) + " (so no " + path +
                       ")");
    }
  }
  throw InputError(file_ + ": the result has no " + path);
}

bool ResultReader::has(const std::string& path) const {
  const nlohmann::json* node = find(path);
  return node && !node->is_null();
}

bool ResultReader::measured() const {
  const nlohmann::json* timing = find("timing");
  return timing && timing->is_object();
}

namespace {

// Throws unless `value` (at `path` of `file`) is what `kind` says.
void check_value(const nlohmann::json& value, Kind kind, const std::string& path,
                 const std::string& file) {
  const auto wrong_type = [&](const char* what) {
    throw InputError(file + ": " + path + " is not " + what + ", got " + quoted(value));
  };
  const auto out_of_range = [&](const char* what) {
    throw InputError(file + ": " + path + ": must be " + what + ", got " + quoted(value));
  };
  switch (kind) {
  case Kind::flag:
    if (!value.is_boolean()) wrong_type("true or false");
    return;
  case Kind::text:
    if (!value.is_string()) wrong_type("a string");
    return;
  case Kind::object:
    if (!value.is_object()) wrong_type("an object");
    return;
  case Kind::list:
    if (!value.is_array()) wrong_type("a list");
    return;
  case Kind::texts:
    if (!value.is_array() ||
        !std::all_of(value.begin(), value.end(), [](const auto& x) { return x.is_string(); }))
      wrong_type("a list of strings");
    return;
  case Kind::timestamp:
    if (!value.is_string()) wrong_type("a string");
    if (!utc_rfc3339(value.get<std::string>())) {
      out_of_range("an RFC 3339 date-time such as 2026-11-29T14:10:33.786Z");
    }
    return;
  case Kind::count:
    if (!value.is_number_integer()) wrong_type("an integer");
    if (value.get<double>() < 1) out_of_range("an integer >= 1");
    if (value.get<double>() > max_count) out_of_range("an integer <= 2^53");
    return;
  case Kind::positive:
  case Kind::non_negative:
  case Kind::fraction: {
    if (!value.is_number()) wrong_type("a number");
    const double x = value.get<double>();
    if (kind == Kind::positive && !(std::isfinite(x) && x > 0)) out_of_range("a finite number > 0");
    if (kind == Kind::non_negative && !(std::isfinite(x) && x >= 0))
      out_of_range("a finite number >= 0");
    if (kind == Kind::fraction && !(x > 0 && x <= 1)) out_of_range("a number in (0, 1]");
    return;
  }
  }
}

} // namespace

void ResultReader::check() const {
  if (!result_.is_object() || !result_.contains("schema") ||
      result_["schema"] != "epochcost.result/1") {
    throw InputError(file_ + ": not an epochcost result (schema epochcost.result/1)");
  }
  const bool is_measured = measured();
  // Whether a result is a measurement is read from its timing section; a run's result without
  // one is damaged, not an estimate.
  if (has("command")) {
    const std::string command = text("command");
    if (command != "run" && command != "estimate") {
      throw InputError(file_ + ": command: must be run or estimate, got '" + command + "'");
    }
    if ((command == "run") != is_measured) {
      throw InputError(file_ + ": a result of '" + command + "' " +
                       (is_measured ? "has a timing section" : "has no timing section"));
    }
  }
  for (const auto& rule : rules()) {
    if (rule.presence == Presence::measured && !is_measured) continue;
    const nlohmann::json* node = find(rule.path);
    if (rule.presence == Presence::measured && (!node || node->is_null())) (void)at(rule.path);
    if (!node || (node->is_null() && rule.presence != Presence::not_null)) continue;
    if (rule.shape == Shape::interval) {
      const auto bounds = interval(rule.path);
      // A statistic's mean lies inside its own interval.
      if (bounds && node->is_object() && has(rule.path + ".mean")) {
        const double mean = number(rule.path + ".mean");
        if (mean < (*bounds)[0] || mean > (*bounds)[1]) {
          throw InputError(file_ + ": " + rule.path + ": the mean (" +
                           quoted(at(rule.path + ".mean")) + ") lies outside its 95% interval [" +
                           quoted((*node)["ci95_low"]) + ", " + quoted((*node)["ci95_high"]) + "]");
        }
      }
      continue;
    }
    check_value(*node, rule.kind, rule.path, file_);
    if (rule.choices && std::find(rule.choices->begin(), rule.choices->end(),
                                  node->get<std::string>()) == rule.choices->end()) {
      throw InputError(file_ + ": " + rule.path + ": must be one of " +
                       joined(*rule.choices, ", ") + ", got " + quoted(*node));
    }
  }
}

template <typename T>
T ResultReader::typed(const std::string& path, bool (nlohmann::json::*is)() const noexcept,
                      const char* kind) const {
  const auto& value = at(path);
  if (const Rule* rule = rule_for(path, Shape::value)) {
    check_value(value, rule->kind, path, file_);
  }
  if (!(value.*is)()) {
    throw InputError(file_ + ": " + path + " is not " + kind + ", got " + quoted(value));
  }
  return value.get<T>();
}

double ResultReader::number(const std::string& path) const {
  const auto x = typed<double>(path, &nlohmann::json::is_number, "a number");
  if (!std::isfinite(x)) {
    throw InputError(file_ + ": " + path + ": must be a finite number, got " + quoted(at(path)));
  }
  return x;
}

std::int64_t ResultReader::integer(const std::string& path) const {
  return typed<std::int64_t>(path, &nlohmann::json::is_number_integer, "an integer");
}

std::int64_t ResultReader::integer_or(const std::string& path, std::int64_t fallback) const {
  return has(path) ? integer(path) : fallback;
}

bool ResultReader::flag(const std::string& path) const {
  return typed<bool>(path, &nlohmann::json::is_boolean, "true or false");
}

std::string ResultReader::text(const std::string& path) const {
  return typed<std::string>(path, &nlohmann::json::is_string, "a string");
}

const nlohmann::json& ResultReader::object(const std::string& path) const {
  const auto& value = at(path);
  check_value(value, Kind::object, path, file_);
  return value;
}

std::optional<std::array<double, 2>> ResultReader::interval(const std::string& path) const {
  const nlohmann::json* node = find(path);
  if (!node || node->is_null()) return std::nullopt;
  const Rule* rule = rule_for(path, Shape::interval);
  const Kind kind = rule ? rule->kind : Kind::non_negative;
  std::string low_path = path + "[0]", high_path = path + "[1]";
  if (node->is_object()) { // a statistic
    low_path = path + ".ci95_low";
    high_path = path + ".ci95_high";
    if (!has(low_path) || !has(high_path)) return std::nullopt;
  } else if (!node->is_array() || node->size() != 2) {
    throw InputError(file_ + ": " + path + " is not [low, high], got " + quoted(*node));
  }
  const auto& low = node->is_object() ? at(low_path) : (*node)[0];
  const auto& high = node->is_object() ? at(high_path) : (*node)[1];
  // The low end of a duration's interval is cut at zero (stats::summarize) when the samples
  // spread wide: it may be 0 where the figure itself must be > 0.
  check_value(low, kind == Kind::positive ? Kind::non_negative : kind, low_path, file_);
  check_value(high, kind, high_path, file_);
  const std::array<double, 2> bounds{low.get<double>(), high.get<double>()};
  if (bounds[0] > bounds[1]) {
    throw InputError(file_ + ": " + path + ": the low end (" + quoted(low) +
                     ") must not exceed the high end (" + quoted(high) + ")");
  }
  return bounds;
}

std::string ResultReader::timestamp(const std::string& path) const {
  const auto& value = at(path);
  check_value(value, Kind::timestamp, path, file_);
  return *utc_rfc3339(value.get<std::string>());
}

} // namespace epochcost::report
