#include "report/gbench_reporter.hpp"

#include "util/errors.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

struct Unit {
  const char* name;
  double per_second;
};

// Google Benchmark writes times in one of ns, us, ms, s; pick the one that keeps figures readable.
Unit unit_for(double seconds) {
  if (seconds >= 1) return {"s", 1};
  if (seconds >= 1e-3) return {"ms", 1e3};
  if (seconds >= 1e-6) return {"us", 1e6};
  return {"ns", 1e9};
}

void add_series(nlohmann::json& benchmarks, const std::string& name, const stats::Summary& s,
                const Unit& unit, int family, const nlohmann::json& counters) {
  nlohmann::json iteration = {{"name", name},
                              {"family_index", family},
                              {"per_family_instance_index", 0},
                              {"run_name", name},
                              {"run_type", "iteration"},
                              {"repetitions", 1},
                              {"repetition_index", 0},
                              {"threads", 1},
                              {"iterations", s.count},
                              {"real_time", s.mean * unit.per_second},
                              {"cpu_time", s.mean * unit.per_second},
                              {"time_unit", unit.name}};
  if (counters.is_object()) iteration.update(counters);
  benchmarks.push_back(iteration);
  for (const auto& [aggregate, value] : {std::pair<const char*, double>{"mean", s.mean},
                                         {"median", s.median},
                                         {"stddev", s.stddev}}) {
    benchmarks.push_back({{"name", name + "_" + aggregate},
                          {"family_index", family},
                          {"per_family_instance_index", 0},
                          {"run_name", name},
                          {"run_type", "aggregate"},
                          {"repetitions", 1},
                          {"threads", 1},
                          {"aggregate_name", aggregate},
                          {"aggregate_unit", "time"},
                          {"iterations", s.count},
                          {"real_time", value * unit.per_second},
                          {"cpu_time", value * unit.per_second},
                          {"time_unit", unit.name}});
  }
}

} // namespace

std::string render_gbench_json(const Result& r) {
  if (!r.timing) {
    throw InputError("--format gbench-json: needs a measured result (run), not an estimate");
  }
  const auto& env = r.environment;
  nlohmann::json context = {{"date", env.timestamp},
                            {"host_name", env.host},
                            {"executable", "epochcost"},
                            {"num_cpus", env.cpu_threads.value_or(0)},
                            {"library_build_type", "release"},
                            {"epochcost_version", env.epochcost_version},
                            {"git_revision", env.git_revision},
                            {"device", env.device.value_or("")},
                            {"device_name", env.device_name.value_or("")},
                            {"torch_version", env.torch_version.value_or("")},
                            {"clock", r.timing->clock},
                            // The cost_per_epoch counter's currency (counters carry no unit).
                            {"currency", r.cost.currency}};
  nlohmann::json benchmarks = nlohmann::json::array();
  const Unit unit = unit_for(r.timing->t_batch_s.mean);
  nlohmann::json counters = {{"cost_per_epoch", r.cost.per_epoch}, {"epoch_s", r.epoch.seconds}};
  if (r.throughput) counters["samples_per_second"] = r.throughput->samples_per_s_per_device;
  add_series(benchmarks, r.config.name + "/t_batch", r.timing->t_batch_s, unit, 0, counters);
  int family = 1;
  for (const auto& [phase, summary] : r.timing->phases) {
    add_series(benchmarks, r.config.name + "/phase:" + phase, summary, unit, family++, {});
  }
  return nlohmann::json{{"context", context}, {"benchmarks", benchmarks}}.dump(2) + "\n";
}

} // namespace epochcost::report
