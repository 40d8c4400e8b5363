#include "compare/compare.hpp"
#include "config/loader.hpp"
#include "pipeline/build_result.hpp"
#include "pipeline/reprice.hpp"
#include "report/format.hpp"
#include "report/json_document.hpp"
#include "report/reporter.hpp"
#include "report/result_reader.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <stdlib.h>

namespace epochcost {
namespace {

config::Config job() {
  return config::parse_config(
      "name: lr\nmodel: {name: mlp, input_dim: 4, output_dim: 1}\n"
      "data: {samples: 1000, batch_size: 10}\noptimizer: {name: sgd, lr: 0.1}\n"
      "pricing: {currency: EUR, amount: 3.6, gpus: 2}\nparallel: {scaling_efficiency: 0.5}\n"
      "extra_costs: {storage_transfer: 0.5, ops: 0.25}\nepochs: 3\n",
      "lr.yaml", {}, config::Purpose::run);
}

// A measurement with known samples: steps of 1, 2 or 3 ms; phases 0.1 + 0.4 + 0.9 + 0.6 = 2 ms.
measure::Measurement measurement() {
  measure::Measurement m;
  m.device = {"cpu", "Test CPU", "2.11.0", std::nullopt, std::nullopt, 2, 0, 1};
  m.model = {5, 5};
  m.clock = "steady_clock";
  m.warmup_steps = 3;
  for (int i = 0; i < 30; ++i)
    m.step_s.push_back(1e-3 * (1 + i % 3));
  m.stable = true;
  m.stop_reason = "stable: test";
  for (int i = 0; i < 10; ++i) {
    m.phases.data_s.push_back(0.1e-3);
    m.phases.forward_s.push_back(0.4e-3);
    m.phases.backward_s.push_back(0.9e-3);
    m.phases.optimizer_s.push_back(0.6e-3);
    m.phases.step_s.push_back(2e-3);
  }
  m.epochs_actual_s = {0.1, 0.3};
  return m;
}

report::Result run_result() {
  return pipeline::build_run_result(job(), measurement(), {"run", {"epochcost", "run", "lr.yaml"}});
}

TEST(RunResult, StatisticsEpochAndCostFollowFromTheSamples) {
  const report::Result r = run_result();
  ASSERT_TRUE(r.timing.has_value());
  EXPECT_DOUBLE_EQ(r.timing->t_batch_s.mean, 2e-3);
  EXPECT_EQ(r.timing->measured_steps, 30);
  EXPECT_NEAR(r.timing->instrumentation_overhead_pct, 0.0, 1e-9);
  EXPECT_EQ(r.epoch.batches, 50); // ceil(1000 / (10 · 2))
  EXPECT_TRUE(r.epoch.scaled_by_assumption);
  EXPECT_DOUBLE_EQ(r.epoch.t_batch_s, 4e-3); // 2 ms / 0.5 efficiency
  EXPECT_DOUBLE_EQ(r.epoch.seconds, 0.2);
  EXPECT_DOUBLE_EQ(r.cost.compute_per_epoch, 0.2 / 3600 * 3.6 * 2);
  EXPECT_DOUBLE_EQ(r.cost.per_epoch, 0.2 / 3600 * 3.6 * 2 + 0.75);
  EXPECT_DOUBLE_EQ(r.cost.total, 3 * r.cost.per_epoch);
  ASSERT_TRUE(r.epoch.validated.has_value());
  EXPECT_DOUBLE_EQ(r.epoch.validated->predicted_seconds, 50 * 2e-3);
  EXPECT_DOUBLE_EQ(r.epoch.validated->error_pct, (0.1 - 0.2) / 0.2 * 100);
  bool assumption_noted = false;
  for (const auto& note : r.notes)
    assumption_noted |= note.find("assumption") != std::string::npos;
  EXPECT_TRUE(assumption_noted);
}

TEST(RunResult, EachRealEpochIsCheckedAgainstTheIntervalOfOneEpoch) {
  measure::Measurement m = measurement();
  // The prediction itself (50 steps × 2 ms) and an epoch far outside any interval around it.
  m.epochs_actual_s = {0.1, 0.1, 10.0};
  const auto r = pipeline::build_run_result(job(), m, {"run", {"epochcost", "run", "lr.yaml"}});
  ASSERT_TRUE(r.epoch.validated.has_value());
  const auto& v = *r.epoch.validated;
  EXPECT_EQ(v.actual_epoch_s.count, 3);
  EXPECT_DOUBLE_EQ(v.actual_epoch_s.mean, 10.2 / 3);
  EXPECT_DOUBLE_EQ(v.actual_epoch_s.max, 10.0);
  ASSERT_TRUE(v.pi95_seconds.has_value());
  EXPECT_LT((*v.pi95_seconds)[1], 10.0);
  EXPECT_EQ(v.epochs_within_pi95, 2);
  const std::string table = report::render_table(r);
  EXPECT_NE(table.find("mean of 3 real epochs"), std::string::npos) << table;
  EXPECT_NE(table.find("2 of 3 real epochs inside"), std::string::npos) << table;
}

TEST(RunResult, AManySkippedStepsAreAWarningNotANote) {
  measure::Measurement m = measurement();
  m.skipped_steps = 3;
  m.steps_run = 100;
  const auto few = pipeline::build_run_result(job(), m, {"run", {}});
  EXPECT_TRUE(few.warnings.empty());
  ASSERT_FALSE(few.notes.empty());
  EXPECT_NE(few.notes.back().find("skipped 3 of the 100 optimizer steps of this run"),
            std::string::npos)
      << few.notes.back();
  m.skipped_steps = 11;
  const auto many = pipeline::build_run_result(job(), m, {"run", {}});
  ASSERT_EQ(many.warnings.size(), 1u);
  EXPECT_NE(many.warnings[0].find("skipped 11 of the 100 optimizer steps of this run for inf/NaN "
                                  "gradients, more than 10%"),
            std::string::npos)
      << many.warnings[0];
  const auto j = nlohmann::json::parse(report::render_json(many));
  EXPECT_EQ(j["timing"]["skipped_steps"], 11);
  EXPECT_EQ(j["timing"]["steps_run"], 100);
}

TEST(JsonReport, CarriesTheDocumentedFields) {
  const auto j = nlohmann::json::parse(report::render_json(run_result()));
  EXPECT_EQ(j["schema"], "epochcost.result/1");
  EXPECT_EQ(j["config"]["data"]["batch_size"], 10);
  for (const char* key : {"device", "device_name", "torch_version", "cuda_version",
                          "driver_version", "host", "timestamp", "epochcost_version"}) {
    EXPECT_TRUE(j["environment"].contains(key)) << key;
  }
  EXPECT_TRUE(j["environment"]["cuda_version"].is_null());
  EXPECT_EQ(j["timing"]["clock"], "steady_clock");
  for (const char* key :
       {"mean", "median", "stddev", "min", "max", "p05", "p95", "ci95_low", "ci95_high"}) {
    EXPECT_TRUE(j["timing"]["t_batch_s"][key].is_number()) << key;
    for (const char* phase : {"data", "forward", "backward", "optimizer"}) {
      EXPECT_TRUE(j["timing"]["phases"][phase].contains(key)) << phase << "." << key;
    }
  }
  EXPECT_EQ(j["epoch"]["batches"], 50);
  EXPECT_TRUE(j["epoch"]["validated"]["actual_seconds"].is_number());
  EXPECT_EQ(j["cost"]["currency"], "EUR");
  EXPECT_EQ(j["cost"]["per_epoch_ci95"].size(), 2u);
  EXPECT_EQ(j["cost"]["epochs"], 3);
  // Unrounded doubles, not table figures.
  EXPECT_DOUBLE_EQ(j["cost"]["compute_per_epoch"].get<double>(), 0.2 / 3600 * 3.6 * 2);
  // RFC 3339 UTC.
  EXPECT_EQ(j["environment"]["timestamp"].get<std::string>().back(), 'Z');
}

TEST(JsonReport, MissingStatisticsAreNull) {
  measure::Measurement m = measurement();
  m.phases = {};
  m.phases.step_s = {1e-3};
  m.phases.data_s = m.phases.forward_s = m.phases.backward_s = m.phases.optimizer_s = {0.25e-3};
  const auto j =
      nlohmann::json::parse(report::render_json(pipeline::build_run_result(job(), m, {"run", {}})));
  EXPECT_TRUE(j["timing"]["phases"]["data"]["stddev"].is_null());
  // In CSV an empty cell, as for every other missing figure, not the word "null".
  const std::string csv = report::render_csv(pipeline::build_run_result(job(), m, {"run", {}}));
  const auto newline = csv.find('\n');
  EXPECT_EQ(csv.substr(newline).find("null"), std::string::npos) << csv.substr(newline);
}

TEST(CsvReport, OneHeaderOneRowSameWidth) {
  const std::string csv = report::render_csv(run_result());
  const auto newline = csv.find('\n');
  const std::string header = csv.substr(0, newline);
  const std::string row = csv.substr(newline + 1);
  EXPECT_NE(header.find("cost.per_epoch"), std::string::npos);
  EXPECT_NE(header.find("timing.t_batch_s.mean"), std::string::npos);
  const auto commas = [](const std::string& s) {
    std::size_t n = 0;
    bool quoted = false;
    for (char c : s) {
      if (c == '"') quoted = !quoted;
      n += c == ',' && !quoted;
    }
    return n;
  };
  EXPECT_EQ(commas(header), commas(row));
  // A list is one cell, whatever its length: the columns of one job do not depend on it.
  report::Result longer = run_result();
  longer.argv = {"epochcost", "run", "job.yaml", "--set", "seed=1"};
  longer.notes.push_back("another note");
  const std::string longer_csv = report::render_csv(longer);
  EXPECT_EQ(longer_csv.substr(0, longer_csv.find('\n')), header);
  EXPECT_NE(longer_csv.find("\"[\"\"epochcost\"\",\"\"run\"\""), std::string::npos) << longer_csv;
}

TEST(CsvReport, ASectionARunLacksKeepsItsColumnsEmpty) {
  const auto header = [](const report::Result& r) {
    const std::string csv = report::render_csv(r);
    return csv.substr(0, csv.find('\n'));
  };
  measure::Measurement unvalidated = measurement();
  unvalidated.epochs_actual_s.clear();
  const report::Result plain = pipeline::build_run_result(job(), unvalidated, {"run", {}});
  ASSERT_FALSE(plain.epoch.validated.has_value());
  report::Result everything = run_result();
  pipeline::add_budget(everything, 10.0);
  ASSERT_TRUE(everything.epoch.validated && everything.budget);
  // A nightly job's CSV files stack under one header, flags or not, run or estimate.
  EXPECT_EQ(header(plain), header(everything));
  EXPECT_EQ(header(pipeline::build_estimate_result(job(), {0.1, std::nullopt}, {"estimate", {}})),
            header(everything));
  const std::string csv = report::render_csv(plain);
  EXPECT_NE(csv.find("epoch.validated.error_pct"), std::string::npos);
  EXPECT_NE(csv.find("budget.full_epochs"), std::string::npos);
}

TEST(TextReports, ShowTheHeadlineFigures) {
  const report::Result r = run_result();
  const std::string table = report::render_table(r);
  EXPECT_NE(table.find("T_batch (mean)"), std::string::npos) << table;
  EXPECT_NE(table.find("2 ms"), std::string::npos) << table;
  EXPECT_NE(table.find("0.50 EUR"), std::string::npos) << table;
  // Two billed devices: the per-device and the job's throughput, each labelled.
  EXPECT_NE(table.find("samples/s per device; job of 2: "), std::string::npos) << table;
  EXPECT_NE(table.find("2.25 EUR"), std::string::npos) << table;
  EXPECT_NE(table.find("assumption"), std::string::npos);
  const std::string md = report::render_markdown(r);
  EXPECT_EQ(md.rfind("## epochcost run", 0), 0u);
  EXPECT_NE(md.find("| forward |"), std::string::npos) << md;
}

TEST(Format, MoneyAndDurations) {
  EXPECT_EQ(report::money(123.0, "CNY"), "123.00 CNY");
  EXPECT_EQ(report::money(0.021649166, "USD"), "0.02165 USD");
  EXPECT_EQ(report::money(0, "USD"), "0.00 USD");
  EXPECT_EQ(report::money(0.5, "USD"), "0.50 USD");
  EXPECT_EQ(report::money(0.9999611, "USD"), "1.00 USD"); // rounds up to 1: to the cent
  EXPECT_EQ(report::money(-0.99996, "USD"), "-1.00 USD");
  EXPECT_EQ(report::money(1.738e-5, "USD"), "1.738e-05 USD");
  // No invented cents past a double's precision, no "-0.00", no "nan".
  EXPECT_EQ(report::money(1e80, "USD"), "1e+80 USD");
  EXPECT_EQ(report::money(123456789012345.678, "USD"), "123456789012345.67 USD");
  EXPECT_EQ(report::money(-0.0, "USD"), "0.00 USD");
  EXPECT_EQ(report::money(std::nan(""), "USD"), "n/a USD");
  EXPECT_EQ(report::duration(85.31e-6), "85.31 µs");
  EXPECT_EQ(report::duration(31.3), "31.3 s");
  EXPECT_EQ(report::duration(5400), "1.5 h (5400 s)");
  EXPECT_THROW((void)report::parse_format("xml"), InputError);
}

TEST(Estimate, RejectsMissingOrNonPositiveTimes) {
  const config::Config c = job();
  EXPECT_THROW((void)pipeline::build_estimate_result(c, {}, {"estimate", {}}), InputError);
  EXPECT_THROW((void)pipeline::build_estimate_result(c, {-1.0, std::nullopt}, {"estimate", {}}),
               InputError);
  EXPECT_THROW((void)pipeline::build_estimate_result(c, {1.0, 1.0}, {"estimate", {}}), InputError);
  const auto r = pipeline::build_estimate_result(c, {std::nullopt, 1.5}, {"estimate", {}});
  EXPECT_DOUBLE_EQ(r.epoch.seconds, 5400);
  EXPECT_FALSE(r.cost.per_epoch_ci95.has_value());
}

TEST(Files, AtomicWriteLeavesOnlyTheFile) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "epochcost-files-XXXXXX").string();
  const std::filesystem::path dir = ::mkdtemp(pattern.data());
  write_file_atomically(dir / "out.json", "{}\n");
  write_file_atomically(dir / "out.json", "{\"a\": 1}\n");
  EXPECT_EQ(read_text_file(dir / "out.json", "report"), "{\"a\": 1}\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_THROW(write_file_atomically(dir / "missing" / "out.json", "x"), InputError);
  EXPECT_THROW((void)read_text_file(dir / "nope.yaml", "config"), InputError);
  std::filesystem::remove_all(dir);
}

// Result files taken back in (compare, project, history import): hand-written fixtures of the
// tool's own shape, then damaged one figure at a time.
nlohmann::json result_fixture(const std::string& name) {
  std::ifstream in(std::string(EPOCHCOST_SOURCE_DIR) + "/tests/fixtures/results/" + name);
  return nlohmann::json::parse(in);
}

// `result` with the figure at a dotted path set to `value`.
nlohmann::json with(nlohmann::json result, const std::string& path, const nlohmann::json& value) {
  std::string pointer = "/" + path;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  result[nlohmann::json::json_pointer(pointer)] = value;
  return result;
}

// The InputError's message, or "accepted".
template <typename Read> std::string refusal(Read read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(ResultReader, TheToolsOwnShapeIsAccepted) {
  for (const char* name : {"a100-bf16-split.json", "tiny-lora-fp16-a100x4.json",
                           "tiny-lora-fp16-v100x4.json", "tiny-lora-fp16-rtx3090.json"}) {
    const auto result = result_fixture(name);
    EXPECT_EQ(refusal([&] { report::ResultReader(result, name).check(); }), "accepted") << name;
  }
  const auto estimate = report::to_json(
      pipeline::build_estimate_result(job(), {0.1, std::nullopt}, {"estimate", {}}));
  EXPECT_EQ(refusal([&] { report::ResultReader(estimate, "e.json").check(); }), "accepted");
}

TEST(ResultReader, AnIntervalCutAtZeroIsTheToolsOwnToo) {
  // Few, widely spread samples: summarize() cuts the low end of a duration's interval at 0.
  auto result = result_fixture("a100-bf16-split.json");
  result["timing"]["t_batch_s"]["ci95_low"] = 0.0;
  result["timing"]["phases"]["data"]["ci95_low"] = 0.0;
  result["epoch"]["seconds_ci95"][0] = 0.0;
  result["cost"]["per_epoch_ci95"][0] = 0.0;
  EXPECT_EQ(refusal([&] { report::ResultReader(result, "r.json").check(); }), "accepted");
  result["timing"]["t_batch_s"]["ci95_high"] = 0.0; // the high end still must be > 0
  EXPECT_NE(refusal([&] { report::ResultReader(result, "r.json").check(); }), "accepted");
}

TEST(ResultReader, FiguresOutOfRangeAreRefusedNamingTheFileAndTheKey) {
  struct Case {
    std::string path;
    nlohmann::json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"cost.per_epoch", -3, "r.json: cost.per_epoch: must be a finite number >= 0, got -3"},
      {"cost.total", -0.5, "r.json: cost.total: must be a finite number >= 0, got -0.5"},
      {"cost.epochs", 0, "r.json: cost.epochs: must be an integer >= 1, got 0"},
      {"config.data.samples", -5, "r.json: config.data.samples: must be an integer >= 1, got -5"},
      {"config.data.samples", 1.5, "r.json: config.data.samples is not an integer, got 1.5"},
      {"config.data.batch_size", 0, "r.json: config.data.batch_size: must be an integer >= 1"},
      {"config.data.samples", 1e300, "r.json: config.data.samples is not an integer"},
      {"epoch.batches", -5, "r.json: epoch.batches: must be an integer >= 1, got -5"},
      {"epoch.seconds", 0, "r.json: epoch.seconds: must be a finite number > 0, got 0"},
      {"epoch.scaling_efficiency", 1.5, "r.json: epoch.scaling_efficiency: must be a number in"},
      {"timing.phases.forward.mean", 0,
       "r.json: timing.phases.forward.mean: must be a finite number > 0, got 0"},
      {"flops.per_step", -1, "r.json: flops.per_step: must be a finite number > 0, got -1"},
      {"memory.peak_reserved_bytes", -1,
       "r.json: memory.peak_reserved_bytes: must be a finite number >= 0, got -1"},
      {"memory.estimate.weights_bytes", -2, "r.json: memory.estimate.weights_bytes: must be"},
      {"timing.t_batch_s.ci95_low", 0.3,
       "r.json: timing.t_batch_s: the low end (0.3) must not exceed the high end (0.202)"},
      {"cost.per_epoch_ci95", {0.2, 0.1}, "r.json: cost.per_epoch_ci95: the low end (0.2)"},
      {"epoch.seconds_ci95", {1}, "r.json: epoch.seconds_ci95 is not [low, high], got [1]"},
      {"environment.timestamp", "yesterday",
       "r.json: environment.timestamp: must be an RFC 3339 date-time"},
      {"environment.device_name", 5, "r.json: environment.device_name is not a string, got 5"},
      {"cost.currency", nullptr, "accepted"}, // a read that needs it names it
      {"config.train", nullptr, "r.json: config.train is not an object, got null"},
      {"notes", "x", "r.json: notes is not a list"},
      {"schema", "epochcost.result/2", "r.json: not an epochcost result"},
      {"config.pricing.gpus", std::int64_t{1} << 60,
       "r.json: config.pricing.gpus: must be an integer <= 2^53"},
      {"config.pricing.amount", -1, "r.json: config.pricing.amount: must be a finite number >= 0"},
      {"command", "bogus", "r.json: command: must be run or estimate, got 'bogus'"},
      {"timing", nullptr, "r.json: a result of 'run' has no timing section"},
      {"command", "estimate", "r.json: a result of 'estimate' has a timing section"},
      {"params.total", -1, "r.json: params.total: must be an integer >= 1, got -1"},
      {"warnings", {1, 2}, "r.json: warnings is not a list of strings, got [1,2]"},
      {"config.precision", "fp8",
       "r.json: config.precision: must be one of fp32, tf32, bf16, fp16, bf16-pure, got \"fp8\""},
      {"environment.device_name", nullptr, "r.json: the result has no environment.device_name"},
      {"timing.t_batch_s.mean", 1e308,
       "r.json: timing.t_batch_s: the mean (1e+308) lies outside its 95% interval"},
  };
  for (const auto& c : cases) {
    const auto result = with(result_fixture("a100-bf16-split.json"), c.path, c.value);
    const std::string message = refusal([&] { report::ResultReader(result, "r.json").check(); });
    EXPECT_NE(message.find(c.message), std::string::npos) << c.path << ": " << message;
  }
}

TEST(ResultReader, ReadsNameWhatIsMissingAndApplyTheRanges) {
  const auto fixture = result_fixture("a100-bf16-split.json");
  const report::ResultReader r(fixture, "r.json");
  EXPECT_TRUE(r.measured());
  EXPECT_EQ(r.interval("timing.t_batch_s"), (std::array<double, 2>{0.198, 0.202}));
  EXPECT_EQ(r.interval("epoch.seconds_ci95"), (std::array<double, 2>{198, 202}));
  EXPECT_EQ(r.integer_or("config.train.grad_accumulation", 7), 7);
  EXPECT_EQ(r.timestamp("environment.timestamp"), "2026-11-20T02:00:00.000Z");
  const auto no_epoch = with(fixture, "epoch", nullptr);
  EXPECT_EQ(
      refusal([&] { (void)report::ResultReader(no_epoch, "r.json").number("epoch.seconds"); }),
      "r.json: the result has no epoch (so no epoch.seconds)");
  const auto negative = with(fixture, "cost.per_epoch", -3);
  EXPECT_EQ(
      refusal([&] { (void)report::ResultReader(negative, "r.json").number("cost.per_epoch"); }),
      "r.json: cost.per_epoch: must be a finite number >= 0, got -3");
}

TEST(ResultReader, Rfc3339TimesAreReadAsUtcToTheMillisecond) {
  EXPECT_EQ(report::utc_rfc3339("2026-11-29T14:10:33.786Z"), "2026-11-29T14:10:33.786Z");
  EXPECT_EQ(report::utc_rfc3339("2026-11-29t14:10:33.78649z"), "2026-11-29T14:10:33.786Z");
  EXPECT_EQ(report::utc_rfc3339("2026-11-29T16:10:33+02:00"), "2026-11-29T14:10:33.000Z");
  EXPECT_EQ(report::utc_rfc3339("2026-01-01T00:30:00.5+01:00"), "2025-12-31T23:30:00.500Z");
  EXPECT_EQ(report::utc_rfc3339("2024-02-29T23:00:00-01:30"), "2024-03-01T00:30:00.000Z");
  for (const char* text :
       {"yesterday", "", "2026-11-29", "2026-11-29T14:10:33", "2026-11-29 14:10:33Z",
        "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-29T24:00:00Z",
        "2026-11-29T14:60:00Z", "2026-11-29T14:10:33+0200", "2026-11-29T14:10:33+24:00",
        " 2026-11-29T14:10:33Z"}) {
    EXPECT_EQ(report::utc_rfc3339(text), std::nullopt) << text;
  }
}

TEST(CompareResults, HandEditedFiguresAreBadInputNamingTheFileAndTheKey) {
  const auto a100 = result_fixture("tiny-lora-fp16-a100x4.json");
  const auto v100 = result_fixture("tiny-lora-fp16-v100x4.json");
  const auto compared = [&](const nlohmann::json& first) {
    return refusal([&] { (void)compare::compare({{"a.json", first}, {"v.json", v100}}); });
  };
  EXPECT_EQ(compared(a100), "accepted");
  EXPECT_EQ(compared(with(a100, "cost.per_epoch", -3)),
            "a.json: cost.per_epoch: must be a finite number >= 0, got -3");
  EXPECT_EQ(compared(with(a100, "cost.epochs", 0)),
            "a.json: cost.epochs: must be an integer >= 1, got 0");
  // Wrong types were json exceptions before: exit 4 with neither the file nor the key.
  EXPECT_EQ(compared(with(a100, "config.optimizer.name", 3)),
            "a.json: config.optimizer.name is not a string, got 3");
  EXPECT_EQ(compared(with(a100, "epoch.devices_billed", "4")),
            "a.json: epoch.devices_billed is not an integer, got \"4\"");
  EXPECT_EQ(compared(with(a100, "epoch", nullptr)),
            "a.json: the result has no epoch (so no epoch.devices_measured)");
  auto no_config = a100;
  no_config.erase("config");
  EXPECT_EQ(compared(no_config), "a.json: the result has no config");
  // A description never fails on what it does not understand.
  EXPECT_EQ(compare::describe_workload({{"model", {{"name", 1}, {"lora", 2}}}}), "?");
}

TEST(CompareResults, ConversionConvertsEveryAmountOfTheCostAndNothingElse) {
  // Every figure of the cost object set, so that one left unconverted shows.
  const cost::CostBreakdown c{.currency = "CNY",
                              .compute_per_epoch = 1,
                              .eval_checkpoint_per_epoch = 2,
                              .spot_overhead_per_epoch = 3,
                              .storage_transfer_per_epoch = 4,
                              .ops_per_epoch = 5,
                              .per_epoch = 15,
                              .per_epoch_ci95 = std::array<double, 2>{14, 16},
                              .epoch_wall_s = 6,
                              .epochs = 7,
                              .job_wall_s = 8,
                              .job_billed_s = 9,
                              .fixed_per_run = 10,
                              .total = 115,
                              .price_per_hour = 11,
                              .billed_units = 12};
  auto result = result_fixture("tiny-lora-fp16-a100x4.json");
  result["cost"] = report::cost_json(c, config::PricingSpec{});
  const auto converted = pipeline::convert_currency(result, "a.json", "USD", {{"CNY", 0.5}});
  // Counts and durations keep their values; the rest is money.
  const std::set<std::string> not_money = {"billed_units", "epochs", "epoch_wall_s", "job_wall_s",
                                           "job_billed_s"};
  for (const auto& [key, value] : result["cost"].items()) {
    const auto& after = converted["cost"][key];
    if (value.is_array()) {
      EXPECT_EQ(after, nlohmann::json({value[0].get<double>() * 0.5, value[1].get<double>() * 0.5}))
          << key;
    } else if (value.is_number()) {
      EXPECT_DOUBLE_EQ(after.get<double>(),
                       value.get<double>() * (not_money.contains(key) ? 1 : 0.5))
          << key;
    }
  }
  EXPECT_EQ(converted["cost"]["currency"], "USD");
}

TEST(CompareResults, RepricingAndConversionCheckTheResultFirst) {
  const auto negative =
      with(result_fixture("tiny-lora-fp16-a100x4.json"), "config.data.samples", -5);
  EXPECT_EQ(refusal([&] {
              (void)pipeline::convert_currency(negative, "a.json", "USD", {{"CNY", 0.14}});
            }),
            "a.json: config.data.samples: must be an integer >= 1, got -5");
  const auto typed =
      with(result_fixture("tiny-lora-fp16-a100x4.json"), "config.extra_costs.ops", "1");
  const pipeline::Repricing pricing = config::PricingDocument{};
  EXPECT_EQ(refusal([&] { (void)pipeline::reprice(typed, "a.json", pricing, "p.yaml"); }),
            "a.json: config.extra_costs.ops is not a number, got \"1\"");
}

} // namespace
} // namespace epochcost
