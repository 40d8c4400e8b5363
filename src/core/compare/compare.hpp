#pragma once
// `epochcost compare`: results of the same workload on different GPUs, counts or prices, side by
// side, with the cheapest and the fastest marked. Runs of different workloads are refused.
#include "report/result_reader.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace epochcost::compare {

using Run = report::ResultFile;

struct Row {
  std::string file;
  std::string gpu; // the measured device's name, or the priced GPU for an estimate
  bool measured = false;
  std::int64_t gpus = 1;
  std::string precision;
  std::int64_t batch_per_device = 0;
  std::int64_t accumulation_steps = 1;
  double t_batch_s = 0;
  std::optional<double> t_batch_ci95_pct; // half-width of the 95% CI, % of the mean
  double epoch_s = 0;
  std::optional<std::array<double, 2>> epoch_s_ci95;
  double cost_per_epoch = 0;
  std::optional<std::array<double, 2>> cost_per_epoch_ci95;
  std::int64_t epochs = 1;
  double total = 0;                 // the whole run: epochs, fixed costs, billing rounding
  std::optional<double> job_wall_s; // provisioning + epochs, when the result says

  std::int64_t samples = 0; // config.data.samples: the dataset an epoch goes through
  double cost_per_million_samples = 0;
  std::optional<double> cost_per_million_tokens;
  double samples_per_s_per_device = 0;
  double samples_per_s_job = 0;
  double speedup = 1; // baseline epoch time / this epoch time
  // This cost per epoch / the baseline's; none against a baseline that costs nothing.
  std::optional<double> cost_ratio = 1.0;
  // The lowest total and the shortest job when every row prices as many epochs of as many samples
  // (what the team pays and waits for, fixed costs included); else the lowest cost and time per
  // sample. Ties are all marked.
  bool cheapest = false;
  bool fastest = false;
  std::vector<std::string> warnings;
  std::vector<std::string> notes; // e.g. re-priced with FILE, converted at a given rate
};

struct Comparison {
  std::string workload; // a readable description of what all runs train
  std::string currency;
  std::size_t baseline = 0;
  std::vector<Row> rows;
};

// The fields of a result's resolved config that fix the work per sample: model and its shape,
// LoRA, data shape, precision, optimizer and accumulation (not the device, count, price or
// timing). InputError for a cost-only result, which has no model.
[[nodiscard]] nlohmann::json workload_of(const report::ResultReader& result);

// The GPU a result stands for: the measured device's name, or the priced GPU of an estimate
// ("(estimate)" when it names none).
[[nodiscard]] std::string gpu_of(const report::ResultReader& result);

// "decoder tiny 2 layers, LoRA r=8, seq 128, bf16, adamw".
[[nodiscard]] std::string describe_workload(const nlohmann::json& workload);

// InputError for a file that is not a result or has a figure out of range (naming the file and
// the key), for runs of different workloads (naming the differing key) or different currencies,
// and for a baseline index out of range.
[[nodiscard]] Comparison compare(const std::vector<Run>& runs, std::size_t baseline = 0);

} // namespace epochcost::compare
