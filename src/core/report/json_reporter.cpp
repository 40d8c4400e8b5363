#include "config/config_json.hpp"
#include "report/json_document.hpp"
#include "report/reporter.hpp"

#include <nlohmann/json.hpp>

namespace epochcost::report {
namespace {

nlohmann::json summary_json(const stats::Summary& s) {
  return {{"count", s.count},
          {"mean", s.mean},
          {"median", s.median},
          {"stddev", s.stddev},
          {"min", s.min},
          {"max", s.max},
          {"p05", s.p05},
          {"p95", s.p95},
          {"ci95_low", s.ci95_low},
          {"ci95_high", s.ci95_high},
          {"ci95_half_width_pct", s.ci95_half_width_pct()},
          {"ci95_batch_size", s.ci95_batch_size},
          {"ci95_batches", s.ci95_batches},
          {"relative_stddev", s.relative_stddev()}};
}

nlohmann::json timing_json(const TimingResult& t) {
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [name, summary] : t.phases)
    phases[name] = summary_json(summary);
  return {{"clock", t.clock},
          {"warmup_steps", t.warmup_steps},
          {"measured_steps", t.measured_steps},
          {"stable", t.stable},
          {"stop_reason", t.stop_reason},
          {"measure_wall_s", t.measure_wall_s},
          {"instrumentation_overhead_pct", t.instrumentation_overhead_pct},
          {"skipped_steps", t.skipped_steps},
          {"steps_run", t.steps_run},
          {"optimizer_implementation", t.optimizer_implementation},
          {"t_batch_s", summary_json(t.t_batch_s)},
          {"instrumented_step_s", summary_json(t.instrumented_step_s)},
          {"phases", phases}};
}

nlohmann::json epoch_json(const EpochResult& e) {
  nlohmann::json validated = nullptr;
  if (e.validated) {
    validated = {{"steps", e.validated->steps},
                 {"predicted_seconds", e.validated->predicted_seconds},
                 {"actual_seconds", e.validated->actual_epoch_s.mean},
                 {"epochs", e.validated->actual_epoch_s.count},
                 {"actual_epoch_s", summary_json(e.validated->actual_epoch_s)},
                 {"error_pct", e.validated->error_pct},
                 {"pi95_seconds", optional_json(e.validated->pi95_seconds)},
                 {"epochs_within_pi95", optional_json(e.validated->epochs_within_pi95)}};
  }
  return {{"batches", e.batches},
          {"seconds", e.seconds},
          {"seconds_ci95", optional_json(e.seconds_ci95)},
          {"t_batch_s", e.t_batch_s},
          {"t_batch_source", e.t_batch_source},
          {"devices_measured", e.devices_measured},
          {"devices_billed", e.devices_billed},
          {"scaled_by_assumption", e.scaled_by_assumption},
          {"scaling_efficiency", e.scaling_efficiency},
          {"validated", validated}};
}

} // namespace

nlohmann::json cost_json(const cost::CostBreakdown& c, const config::PricingSpec& pricing) {
  return {{"currency", c.currency},
          {"price_per_hour", c.price_per_hour},
          {"price_unit", config::to_string(pricing.unit)},
          {"billed_units", c.billed_units},
          {"market", pricing.spot ? "spot" : "on_demand"},
          {"compute_per_epoch", c.compute_per_epoch},
          {"eval_checkpoint_per_epoch", c.eval_checkpoint_per_epoch},
          {"spot_overhead_per_epoch", c.spot_overhead_per_epoch},
          {"storage_transfer_per_epoch", c.storage_transfer_per_epoch},
          {"ops_per_epoch", c.ops_per_epoch},
          {"per_epoch", c.per_epoch},
          {"per_epoch_ci95", optional_json(c.per_epoch_ci95)},
          {"epoch_wall_s", c.epoch_wall_s},
          {"epochs", c.epochs},
          {"job_wall_s", c.job_wall_s},
          {"job_billed_s", c.job_billed_s},
          {"fixed_per_run", c.fixed_per_run},
          {"total", c.total}};
}

namespace {

nlohmann::json budget_json(const std::optional<cost::Affordable>& budget,
                           const std::string& currency) {
  if (!budget) return nullptr;
  // Unlimited: no count is meaningful, so none is given.
  const auto count = [&](const auto& value) {
    return budget->unlimited ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  return {{"amount", budget->budget},
          {"currency", currency}, // of amount, full_epochs_cost and fixed_costs
          {"unlimited", budget->unlimited},
          {"epochs", count(budget->epochs)},
          // An integer where JSON readers take it as one exactly.
          {"full_epochs", budget->full_epochs <= 0x1p53
                              ? count(static_cast<std::int64_t>(budget->full_epochs))
                              : count(budget->full_epochs)},
          {"full_epochs_cost", count(budget->full_epochs_cost)},
          {"samples", count(budget->samples)},
          {"tokens", budget->unlimited ? nlohmann::json(nullptr) : optional_json(budget->tokens)},
          {"fixed_costs", budget->fixed_costs}};
}

} // namespace

nlohmann::json to_json(const Result& r) {
  const auto& env = r.environment;
  nlohmann::json out;
  out["schema"] = result_schema;
  out["command"] = r.command;
  out["argv"] = r.argv;
  out["config"] = config::to_json(r.config);
  out["environment"] = {{"device", optional_json(env.device)},
                        {"device_name", optional_json(env.device_name)},
                        {"torch_version", optional_json(env.torch_version)},
                        {"cuda_version", optional_json(env.cuda_version)},
                        {"driver_version", optional_json(env.driver_version)},
                        {"cpu_threads", optional_json(env.cpu_threads)},
                        {"memory_bytes", optional_json(env.memory_bytes)},
                        {"host", env.host},
                        {"timestamp", env.timestamp},
                        {"epochcost_version", env.epochcost_version},
                        {"git_revision", env.git_revision}};
  out["params"] = r.params ? nlohmann::json{{"total", r.params->params_total},
                                            {"trainable", r.params->params_trainable}}
                           : nlohmann::json(nullptr);
  out["throughput"] = nullptr;
  if (r.throughput) {
    out["throughput"] = {
        {"samples_per_s", r.throughput->samples_per_s},
        {"samples_per_s_per_device", r.throughput->samples_per_s_per_device},
        {"tokens_per_s", optional_json(r.throughput->tokens_per_s)},
        {"tokens_per_s_per_device", optional_json(r.throughput->tokens_per_s_per_device)}};
  }
  out["flops"] = nullptr;
  if (r.flops) {
    out["flops"] = {{"per_step", r.flops->per_step},
                    {"per_sample", r.flops->per_sample},
                    {"per_token", optional_json(r.flops->per_token)},
                    {"achieved_tflops", optional_json(r.flops->achieved_tflops)},
                    {"mfu", optional_json(r.flops->mfu)},
                    {"peak_tflops", optional_json(r.flops->peak_tflops)},
                    {"gpu_spec", optional_json(r.flops->gpu_spec)}};
  }
  out["memory"] = nullptr;
  if (r.memory) {
    const auto& e = r.memory->estimate;
    out["memory"] = {{"peak_allocated_bytes", optional_json(r.memory->peak_allocated_bytes)},
                     {"peak_reserved_bytes", optional_json(r.memory->peak_reserved_bytes)},
                     {"estimate_bytes", e.total_bytes()},
                     {"estimate",
                      {{"weights_bytes", e.weights_bytes},
                       {"gradients_bytes", e.gradients_bytes},
                       {"optimizer_bytes", e.optimizer_bytes},
                       {"activations_bytes", e.activations_bytes}}}};
  }
  out["timing"] = r.timing ? timing_json(*r.timing) : nlohmann::json(nullptr);
  out["epoch"] = epoch_json(r.epoch);
  out["cost"] = cost_json(r.cost, r.config.pricing);
  out["budget"] = budget_json(r.budget, r.cost.currency);
  out["warnings"] = r.warnings;
  out["notes"] = r.notes;
  return out;
}

std::string render_json(const Result& result) {
  return to_json(result).dump(2) + "\n";
}

} // namespace epochcost::report
