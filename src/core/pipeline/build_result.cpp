#include "pipeline/build_result.hpp"

#include "hardware/gpu_specs.hpp"
#include "model/analysis.hpp"
#include "util/build_info.hpp"
#include "util/clock.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unistd.h>

namespace epochcost::pipeline {
namespace {

report::TimingResult summarise_timing(const measure::Measurement& m) {
  report::TimingResult timing;
  timing.clock = m.clock;
  timing.warmup_steps = m.warmup_steps;
  timing.measured_steps = static_cast<std::int64_t>(m.step_s.size());
  timing.stable = m.stable;
  timing.stop_reason = m.stop_reason;
  timing.measure_wall_s = m.measure_wall_s;
  timing.skipped_steps = m.skipped_steps;
  timing.steps_run = m.steps_run;
  timing.optimizer_implementation = m.optimizer_implementation;
  timing.t_batch_s = stats::summarize(m.step_s);
  timing.instrumented_step_s = stats::summarize(m.phases.step_s);
  timing.instrumentation_overhead_pct =
      (timing.instrumented_step_s.mean - timing.t_batch_s.mean) / timing.t_batch_s.mean * 100.0;
  const std::array<const std::vector<double>*, report::phase_names.size()> series{
      &m.phases.data_s, &m.phases.forward_s, &m.phases.backward_s, &m.phases.optimizer_s};
  for (std::size_t i = 0; i < series.size(); ++i)
    timing.phases.emplace_back(report::phase_names[i], stats::summarize(*series[i]));
  return timing;
}

std::string percent(double value) {
  std::ostringstream out;
  out.precision(3);
  out << value << "%";
  return out.str();
}

void fill_epoch(report::Result& result, const cost::EpochTime& epoch,
                const cost::JobStepTime& step) {
  result.epoch.batches = epoch.batches;
  result.epoch.seconds = epoch.seconds;
  result.epoch.seconds_ci95 = epoch.seconds_ci95;
  result.epoch.t_batch_s = step.t_batch_s;
  result.epoch.devices_billed = result.config.pricing.gpus;
  result.epoch.scaled_by_assumption = step.scaled;
  result.epoch.scaling_efficiency = step.scaling_efficiency;
  result.cost = cost::price_epoch(epoch, result.config);
}

// Throughput, model FLOPs, MFU and memory, from the analytic model and the step time of one
// device (measured, or the given job step time for estimate).
void fill_model_figures(report::Result& result, double device_step_s, bool measured) {
  const auto& config = result.config;
  if (!config.model) return;
  const model::Analysis analysis = model::analyze(*config.model, config.data.seq_len);
  // Samples one device processes per optimizer step: micro-batch × accumulation steps.
  const auto batch = static_cast<double>(config.data.batch_size * config.train.accumulation_steps);
  const auto devices = static_cast<double>(config.pricing.gpus);

  report::Throughput throughput;
  throughput.samples_per_s = batch * devices / result.epoch.t_batch_s;
  throughput.samples_per_s_per_device = batch / device_step_s;
  const model::StepFlops step = model::step_flops(analysis, config);
  report::FlopsResult flops;
  flops.per_sample = step.per_sample;
  flops.per_step = step.per_step;
  flops.per_token = step.per_token;
  if (analysis.tokens_per_sample) {
    const auto tokens = static_cast<double>(*analysis.tokens_per_sample);
    throughput.tokens_per_s = throughput.samples_per_s * tokens;
    throughput.tokens_per_s_per_device = throughput.samples_per_s_per_device * tokens;
  }
  if (measured) {
    flops.achieved_tflops = flops.per_step / device_step_s / 1e12;
    const auto& env = result.environment;
    if (env.device && env.device->starts_with("cuda")) {
      const std::string name = env.device_name.value_or("");
      if (const hardware::GpuSpec* gpu = hardware::find_gpu(name)) {
        flops.gpu_spec = gpu->name;
        flops.peak_tflops = hardware::peak_tflops(*gpu, config.precision);
        if (flops.peak_tflops) {
          flops.mfu = *flops.achieved_tflops / *flops.peak_tflops;
        } else {
          result.notes.push_back(std::string("MFU: ") + gpu->name + " has no " +
                                 config::to_string(config.precision) + " mode in the spec table");
        }
      } else {
        result.notes.push_back("MFU: '" + name +
                               "' is not in the GPU spec table (epochcost gpus); "
                               "no peak is guessed");
      }
    }
  }
  result.notes.insert(result.notes.end(), analysis.notes.begin(), analysis.notes.end());
  result.throughput = throughput;
  result.flops = flops;
  report::MemoryResult memory;
  memory.estimate = model::estimate_memory(config);
  result.memory = memory;
}

void check_positive(std::optional<double> value, const char* flag) {
  if (value && (!std::isfinite(*value) || *value <= 0)) {
    std::ostringstream out;
    out << flag << ": must be a finite number > 0, got " << *value;
    throw InputError(out.str());
  }
}

// --validate-epoch: the prediction against the mean of the real epochs, and each real epoch
// against the interval one epoch should fall in.
report::ValidatedEpoch validate_epochs(const measure::Measurement& measurement,
                                       const stats::Summary& t_batch, std::int64_t steps) {
  report::ValidatedEpoch v;
  v.steps = steps;
  v.predicted_seconds = static_cast<double>(steps) * t_batch.mean;
  v.actual_epoch_s = stats::summarize(measurement.epochs_actual_s);
  const double actual_s = v.actual_epoch_s.mean;
  v.error_pct = (v.predicted_seconds - actual_s) / actual_s * 100;
  const double half_width = stats::sum_prediction_half_width(measurement.step_s, t_batch, steps);
  if (std::isfinite(half_width)) {
    const std::array<double, 2> pi{std::max(0.0, v.predicted_seconds - half_width),
                                   v.predicted_seconds + half_width};
    v.pi95_seconds = pi;
    v.epochs_within_pi95 = std::ranges::count_if(
        measurement.epochs_actual_s, [&](double s) { return pi[0] <= s && s <= pi[1]; });
  }
  return v;
}

} // namespace

std::optional<std::string> price_mismatch(const std::string& priced_gpu, const std::string& device,
                                          const std::string& device_name) {
  if (priced_gpu.empty()) return std::nullopt;
  const hardware::GpuSpec* measured =
      device.starts_with("cuda") ? hardware::find_gpu(device_name) : nullptr;
  if (measured && measured->name == priced_gpu) return std::nullopt;
  return "MISMATCH: priced for " + priced_gpu + " but measured on " + device_name + " (" + device +
         "): this is that device's time × the " + priced_gpu + " price, not a " + priced_gpu +
         " figure. Measure on the priced GPU, or estimate it with epochcost project RESULT.json "
         "--to " +
         priced_gpu;
}

std::string scaling_note(const config::Config& config, std::int64_t devices_measured) {
  std::ostringstream note;
  note << "the " << config.pricing.gpus << "-device step time is an assumption, not a "
       << "measurement: measured on " << devices_measured << " device, divided by "
       << "parallel.scaling_efficiency = " << config.parallel.scaling_efficiency;
  return note.str();
}

report::Environment local_environment() {
  report::Environment env;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) env.host = host;
  env.timestamp = rfc3339_utc_now();
  env.epochcost_version = build_info::version();
  env.git_revision = build_info::git_revision();
  return env;
}

report::Result build_run_result(const config::Config& config,
                                const measure::Measurement& measurement,
                                const Invocation& invocation) {
  report::Result result;
  result.command = invocation.command;
  result.argv = invocation.argv;
  result.config = config;
  result.environment = local_environment();
  const auto& device = measurement.device;
  result.environment.device = device.device;
  result.environment.device_name = device.device_name;
  result.environment.torch_version = device.torch_version;
  result.environment.cuda_version = device.cuda_version;
  result.environment.driver_version = device.driver_version;
  result.environment.cpu_threads = device.cpu_threads;
  result.environment.memory_bytes = device.memory_bytes;
  result.params = measurement.model;
  result.timing = summarise_timing(measurement);
  const auto& t = result.timing->t_batch_s;

  std::optional<std::array<double, 2>> ci;
  if (std::isfinite(t.ci95_low) && std::isfinite(t.ci95_high)) ci = {t.ci95_low, t.ci95_high};
  const std::int64_t batches =
      config::steps_per_epoch(config.data, config.pricing.gpus, config.train.accumulation_steps);
  const auto step = cost::job_step_time(t.mean, ci, device.devices_measured, config);
  fill_epoch(result, cost::epoch_time(batches, step), step);
  result.epoch.t_batch_source = "measured";
  result.epoch.devices_measured = device.devices_measured;
  fill_model_figures(result, t.mean, true);
  result.memory->peak_allocated_bytes = measurement.peak_allocated_bytes;
  result.memory->peak_reserved_bytes = measurement.peak_reserved_bytes;

  if (auto warning = price_mismatch(config.pricing.gpu, device.device, device.device_name))
    result.warnings.push_back(*warning);
  if (step.scaled) result.notes.push_back(scaling_note(config, device.devices_measured));
  if (!measurement.stable) {
    result.notes.push_back("unstable: " + measurement.stop_reason +
                           "; T_batch is less certain than requested");
  }
  if (!measurement.epochs_actual_s.empty()) {
    result.epoch.validated = validate_epochs(measurement, t, batches);
    if (step.scaled) {
      result.notes.push_back("--validate-epoch ran this device's share of the epoch; it checks "
                             "the measured step, not the scaling assumption");
    }
  }
  const double overhead_pct = result.timing->instrumentation_overhead_pct;
  if (overhead_pct > 5) {
    result.notes.push_back("per-phase timing slowed the step by " + percent(overhead_pct) +
                           "; T_batch comes from the uninstrumented pass");
  } else if (overhead_pct < -5) {
    result.notes.push_back("the instrumented pass ran " + percent(-overhead_pct) +
                           " faster than the uninstrumented one: the machine's speed changed "
                           "between them; T_batch comes from the uninstrumented pass");
  }
  if (config.precision == config::Precision::tf32 && !device.device.starts_with("cuda")) {
    result.notes.push_back(
        "precision tf32 sets the TF32 mode of CUDA matmuls and convolutions; on " + device.device +
        " the step ran in fp32");
  }
  // A few skipped steps are part of fp16 training (the scaler starts at 65536 and halves on each
  // overflow); a large share means T_batch holds that share of steps without an update.
  constexpr double skipped_share_warned = 0.1;
  const auto skipped = measurement.skipped_steps;
  const auto steps = measurement.steps_run;
  const std::string skipped_text = "fp16: the loss scaler skipped " + std::to_string(skipped) +
                                   " of the " + std::to_string(steps) +
                                   " optimizer steps of this run for inf/NaN gradients";
  if (steps > 0 &&
      static_cast<double>(skipped) > skipped_share_warned * static_cast<double>(steps)) {
    result.warnings.push_back(
        skipped_text + ", more than " + percent(100 * skipped_share_warned) +
        ": T_batch holds that share of steps without an optimizer update. A short "
        "run spends a few finding the loss scale; if a longer one skips as many, the model "
        "overflows fp16 here: measure it in bf16 or fp32");
  } else if (skipped > 0) {
    result.notes.push_back(skipped_text +
                           "; skipped steps are timed as the others, as in real training");
  }
  for (const auto& note : measurement.notes)
    result.notes.push_back(note);
  return result;
}

void add_budget(report::Result& result, double amount) {
  result.budget = cost::affordable(amount, result.cost, result.config);
  if (result.budget->fixed_costs > amount) {
    std::ostringstream note;
    note.precision(4);
    note << "the budget does not cover the fixed costs of a run (" << result.budget->fixed_costs
         << " " << result.cost.currency << ": provisioning and minimum charge)";
    result.notes.push_back(note.str());
  }
  if (result.budget->unlimited) {
    result.notes.push_back("--budget: an epoch costs nothing at this price, so any budget buys "
                           "unlimited epochs");
  }
}

report::Info build_info(const config::Config& config, const hardware::GpuSpec* gpu) {
  report::Info info;
  info.config = config;
  info.analysis = model::analyze(*config.model, config.data.seq_len);
  info.memory = model::estimate_memory(config);
  info.flops = model::step_flops(info.analysis, config);
  if (gpu) {
    info.gpu = gpu;
    info.fit = hardware::memory_fit(info.memory.total_bytes(), *gpu);
    info.precision_supported = hardware::peak_tflops(*gpu, config.precision).has_value();
  }
  return info;
}

report::Result build_estimate_result(const config::Config& config, const GivenTime& given,
                                     const Invocation& invocation) {
  if (given.t_batch_s.has_value() == given.t_epoch_hours.has_value()) {
    throw InputError("estimate: give exactly one of --t-batch SECONDS or --t-epoch-hours HOURS");
  }
  check_positive(given.t_batch_s, "--t-batch");
  check_positive(given.t_epoch_hours, "--t-epoch-hours");
  report::Result result;
  result.command = invocation.command;
  result.argv = invocation.argv;
  result.config = config;
  result.environment = local_environment();
  const std::int64_t batches =
      config::steps_per_epoch(config.data, config.pricing.gpus, config.train.accumulation_steps);
  // A given time is the whole job's: no device was measured, so no scaling applies.
  cost::JobStepTime step;
  cost::EpochTime epoch;
  if (given.t_batch_s) {
    step.t_batch_s = *given.t_batch_s;
    epoch = cost::epoch_time(batches, step);
    result.epoch.t_batch_source = "--t-batch";
  } else {
    epoch = {batches, *given.t_epoch_hours * cost::seconds_per_hour, std::nullopt};
    if (!std::isfinite(epoch.seconds)) {
      std::ostringstream out;
      out << "--t-epoch-hours: " << *given.t_epoch_hours
          << " hours are more seconds than a double holds";
      throw InputError(out.str());
    }
    step.t_batch_s = epoch.seconds / static_cast<double>(batches);
    result.epoch.t_batch_source = "--t-epoch-hours";
  }
  fill_epoch(result, epoch, step);
  fill_model_figures(result, step.t_batch_s, false);
  return result;
}

} // namespace epochcost::pipeline
