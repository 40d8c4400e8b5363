#pragma once
// The "statistics → epoch & cost" stage: turns a runner's raw samples, or a step time the user
// gives, into the Result that reporters print.
#include "measure/measurement.hpp"
#include "report/result.hpp"

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

// Host, time and version figures every result carries.
[[nodiscard]] report::Environment local_environment();

} // namespace epochcost::pipeline
