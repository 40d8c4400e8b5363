#include "config/loader.hpp"
#include "pipeline/build_result.hpp"
#include "report/format.hpp"
#include "report/reporter.hpp"
#include "util/errors.hpp"
#include "util/files.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
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
  m.epoch_actual_s = 0.2;
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
}

TEST(TextReports, ShowTheHeadlineFigures) {
  const report::Result r = run_result();
  const std::string table = report::render_table(r);
  EXPECT_NE(table.find("T_batch (mean)"), std::string::npos) << table;
  EXPECT_NE(table.find("2 ms"), std::string::npos) << table;
  EXPECT_NE(table.find("0.50 EUR"), std::string::npos) << table;
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
  EXPECT_EQ(report::money(1.738e-5, "USD"), "1.738e-05 USD");
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

} // namespace
} // namespace epochcost
