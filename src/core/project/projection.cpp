#include "project/projection.hpp"

#include "compare/compare.hpp"
#include "config/loader.hpp"
#include "hardware/gpu_specs.hpp"
#include "report/result_reader.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace epochcost::project {
namespace {

using report::ResultReader;

Projection measured_source(const ResultReader& r) {
  const std::string& file = r.file();
  if (!r.measured()) {
    throw InputError(file + ": " +
                     (r.has("command") ? "an estimate, not a measurement"
                                       : "no timing section, so not a measurement") +
                     "; project carries a measured step "
                     "to other GPUs (epochcost run ... --format json)");
  }
  Projection p;
  p.file = file;
  p.source_device_name = r.text("environment.device_name");
  const std::string device = r.text("environment.device");
  if (!device.starts_with("cuda")) {
    throw InputError(file + ": measured on " + device + " (" + p.source_device_name +
                     "); project scales a GPU measurement by GPU spec ratios, so measure on a "
                     "GPU first");
  }
  const hardware::GpuSpec* source = hardware::find_gpu(p.source_device_name);
  if (!source) {
    throw InputError(file + ": '" + p.source_device_name +
                     "' is not in the GPU spec table (epochcost gpus); without its peaks the step "
                     "cannot be split");
  }
  p.source_gpu = source->name;
  p.precision = r.text("config.precision");
  const auto precision = config::parse_precision(p.precision);
  if (!precision) throw InputError(file + ": unknown config.precision '" + p.precision + "'");
  const auto peak = hardware::peak_tflops(*source, *precision);
  if (!peak) {
    throw InputError(file + ": " + source->name + " has no " + p.precision +
                     " peak in the spec table");
  }
  p.source_peak_tflops = *peak;
  p.source_bandwidth_gbs = source->bandwidth_gbs;
  p.measured_t_batch_s = r.number("timing.t_batch_s.mean");
  p.measured_ci95_s = r.interval("timing.t_batch_s");
  if (r.has("flops.mfu")) p.measured_mfu = r.number("flops.mfu");
  p.flops_per_step = r.number("flops.per_step");
  p.bytes_per_step = forward_backward_bytes(r.number("memory.estimate.weights_bytes"),
                                            r.number("memory.estimate.activations_bytes"),
                                            r.number("memory.estimate.gradients_bytes"),
                                            r.integer_or("config.train.accumulation_steps", 1));
  p.batches = r.integer("epoch.batches");
  p.devices_measured = r.integer("epoch.devices_measured");
  if (r.has("epoch.scaled_by_assumption") && r.flag("epoch.scaled_by_assumption")) {
    p.scaling_efficiency = r.number("epoch.scaling_efficiency");
  }
  p.memory_measured = r.has("memory.peak_reserved_bytes");
  p.memory_needed_bytes = p.memory_measured ? r.number("memory.peak_reserved_bytes")
                                            : r.number("memory.estimate_bytes");
  p.workload = compare::describe_workload(compare::workload_of(r));
  return p;
}

// The reader has checked that the step and every phase are > 0, so the shares are well defined.
Split split_step(const ResultReader& r, const Projection& p) {
  const double step = p.measured_t_batch_s;
  const double data = r.number("timing.phases.data.mean");
  const double forward = r.number("timing.phases.forward.mean");
  const double backward = r.number("timing.phases.backward.mean");
  const double optimizer = r.number("timing.phases.optimizer.mean");
  const double phases = data + forward + backward + optimizer;
  // Phase shares come from the instrumented pass; the step they share is the uninstrumented one.
  Split s;
  s.forward_backward_s = step * (forward + backward) / phases;
  s.optimizer_s = step * optimizer / phases;
  s.host_s = step * data / phases;
  const double flops_s = p.flops_per_step / (p.source_peak_tflops * 1e12);
  const double bytes_s = p.bytes_per_step / (p.source_bandwidth_gbs * 1e9);
  s.compute_share = flops_s + bytes_s > 0 ? flops_s / (flops_s + bytes_s) : 0;
  s.compute_s = s.forward_backward_s * s.compute_share;
  s.memory_s = s.forward_backward_s * (1 - s.compute_share) + s.optimizer_s;
  return s;
}

Target project_to(const hardware::GpuSpec& gpu, const Projection& p, config::Precision precision) {
  Target t;
  t.gpu = gpu.name;
  t.bandwidth_gbs = gpu.bandwidth_gbs;
  t.memory_capacity_bytes = hardware::memory_capacity_bytes(gpu);
  t.fit = hardware::memory_fit(p.memory_needed_bytes, gpu);
  const auto peak = hardware::peak_tflops(gpu, precision);
  if (!peak) {
    t.unsupported = gpu.name + " has no " + p.precision + " mode";
    return t;
  }
  t.peak_tflops = *peak;
  const double compute_ratio = p.source_peak_tflops / t.peak_tflops;
  const double memory_ratio = p.source_bandwidth_gbs / t.bandwidth_gbs;
  const Split& s = p.split;
  t.t_batch_s = s.compute_s * compute_ratio + s.memory_s * memory_ratio + s.host_s;
  const double rest = s.optimizer_s * memory_ratio + s.host_s;
  const double all_compute = s.forward_backward_s * compute_ratio + rest;
  const double all_memory = s.forward_backward_s * memory_ratio + rest;
  const double low_factor = p.measured_ci95_s ? (*p.measured_ci95_s)[0] / p.measured_t_batch_s : 1;
  const double high_factor = p.measured_ci95_s ? (*p.measured_ci95_s)[1] / p.measured_t_batch_s : 1;
  t.t_batch_range_s = {std::min(all_compute, all_memory) * low_factor,
                       std::max(all_compute, all_memory) * high_factor};
  t.job_t_batch_s = t.t_batch_s / p.scaling_efficiency;
  const auto batches = static_cast<double>(p.batches);
  t.epoch_s = batches * t.job_t_batch_s;
  t.epoch_range_s = {batches * t.t_batch_range_s[0] / p.scaling_efficiency,
                     batches * t.t_batch_range_s[1] / p.scaling_efficiency};
  t.speedup = p.measured_t_batch_s / t.t_batch_s;
  return t;
}

} // namespace

double forward_backward_bytes(double weights_bytes, double activations_bytes,
                              double gradients_bytes, std::int64_t accumulation_steps) {
  return static_cast<double>(accumulation_steps) * (3 * weights_bytes + 2 * activations_bytes) +
         2 * gradients_bytes;
}

Projection project(const nlohmann::json& result, const std::string& file,
                   const std::vector<std::string>& target_gpus) {
  if (target_gpus.empty()) throw InputError("--to: name at least one GPU (epochcost gpus)");
  const ResultReader r(result, file);
  // Target names are checked before the file, so a typo is named even with a wrong file.
  std::vector<const hardware::GpuSpec*> targets;
  for (const auto& name : target_gpus) {
    const hardware::NamedGpu named = hardware::gpu_named(name);
    if (!named.gpu) throw InputError("--to: " + named.problem);
    // A GPU named twice (or by two of its names) is one row.
    if (std::find(targets.begin(), targets.end(), named.gpu) == targets.end())
      targets.push_back(named.gpu);
  }
  r.check();
  Projection p = measured_source(r);
  p.split = split_step(r, p);
  const auto precision = *config::parse_precision(p.precision);
  for (const auto* gpu : targets)
    p.targets.push_back(project_to(*gpu, p, precision));

  if (p.measured_mfu && *p.measured_mfu < 0.05) {
    std::ostringstream mfu;
    mfu.precision(2);
    mfu << *p.measured_mfu * 100;
    p.notes.push_back("the measured step reached " + mfu.str() +
                      "% of the peak: it is likely bound by kernel launches and latency, which a "
                      "faster GPU does not shorten; the projected speed-ups are upper bounds");
  }
  if (!p.memory_measured) {
    p.notes.push_back("memory: no measured CUDA peak in the result; the fit uses the formula's "
                      "estimate");
  }
  if (p.scaling_efficiency != 1) {
    p.notes.push_back("the job's step divides the projected per-device step by the configured "
                      "parallel.scaling_efficiency, as the measured result did");
  }
  return p;
}

} // namespace epochcost::project
