#pragma once
// The "statistics → epoch & cost" stage: turns a runner's raw samples, or a step time the user
// gives, into the Result that reporters print.
#include "measure/measurement.hpp"
#include "report/info_reporter.hpp"
#include "report/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace epochcost::pipeline {

struct Invocation {
  std::string command;
  std::vector<std::string> argv;
};

[[nodiscard]] report::Result build_run_result(const config::Config& config,
                                              const measure::Measurement& measurement,
                                              const Invocation& invocation);

// What `estimate` is told instead of measuring: one of the two.
struct GivenTime {
  std::optional<double> t_batch_s;
  std::optional<double> t_epoch_hours;
};
[[nodiscard]] report::Result build_estimate_result(const config::Config& config,
                                                   const GivenTime& given,
                                                   const Invocation& invocation);

// `--budget AMOUNT` (in the pricing currency): how much training the amount buys.
void add_budget(report::Result& result, double amount);

// The warning for a price of one GPU applied to the time measured on another device, if so.
[[nodiscard]] std::optional<std::string> price_mismatch(const std::string& priced_gpu,
                                                        const std::string& device,
                                                        const std::string& device_name);

// The note that says the job's step time was scaled from fewer measured devices.
[[nodiscard]] std::string scaling_note(const config::Config& config, std::int64_t devices_measured);

// `info`: the config's figures by formula, and with a GPU whether they fit it.
[[nodiscard]] report::Info build_info(const config::Config& config, const hardware::GpuSpec* gpu);

// Host, time and version figures every result carries.
[[nodiscard]] report::Environment local_environment();

} // namespace epochcost::pipeline
