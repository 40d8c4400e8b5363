// The executable end to end: reports, exit statuses and messages for bad input.
#include "../support/cli_runner.hpp"

#include <cstdio>
#include <dlfcn.h>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>

namespace epochcost::testing {
namespace {

const std::string default_config = source_path("configs/linear-regression.yaml");
const std::string cost_only_config = source_path("configs/lora-7b-a100x4-cost.yaml");

// A short measurement of the default job, so the suite stays fast on two cores.
const std::string quick =
    " --set timing.warmup_steps=5 --set timing.min_steps=20 --set timing.min_seconds=0.1"
    " --set timing.max_seconds=1"
    " --set device=cpu";

nlohmann::json json_of(const CliOutput& output) {
  EXPECT_EQ(output.exit_code, 0) << output.err;
  return nlohmann::json::parse(output.out);
}

TEST(Estimate, ReproducesTheOneGpuWorkedExample) {
  const auto j = json_of(run_cli("estimate " + default_config + " --t-batch 0.1 --format json"));
  EXPECT_EQ(j["schema"], "epochcost.result/1");
  EXPECT_EQ(j["epoch"]["batches"], 313);
  EXPECT_NEAR(j["epoch"]["seconds"].get<double>(), 31.3, 1e-9);
  EXPECT_NEAR(j["cost"]["per_epoch"].get<double>(), 0.0216491666666, 1e-12);
  EXPECT_EQ(j["cost"]["currency"], "USD");
  EXPECT_TRUE(j["timing"].is_null());
  EXPECT_TRUE(j["environment"]["device"].is_null()); // estimate never looks at a device
}

TEST(Estimate, ReproducesTheGeneralWorkedExample) {
  const auto j =
      json_of(run_cli("estimate " + cost_only_config + " --t-epoch-hours 1.5 --format json"));
  EXPECT_DOUBLE_EQ(j["cost"]["per_epoch"].get<double>(), 123.0);
  EXPECT_DOUBLE_EQ(j["cost"]["total"].get<double>(), 1230.0);
  EXPECT_EQ(j["cost"]["currency"], "CNY");
  const auto table = run_cli("estimate " + cost_only_config + " --t-epoch-hours 1.5");
  EXPECT_NE(table.out.find("123.00 CNY"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1230.00 CNY"), std::string::npos);
}

TEST(Estimate, NeverLoadsLibTorch) {
  // With the runner pointed at nothing, estimate still works: it never opens it.
  const auto output =
      run_cli("estimate " + default_config + " --t-batch 0.1", "EPOCHCOST_RUNNER=/nonexistent");
  EXPECT_EQ(output.exit_code, 0) << output.err;
  const auto ldd =
      std::system((std::string("ldd ") + EPOCHCOST_BINARY + " | grep -q libtorch").c_str());
  EXPECT_NE(WEXITSTATUS(ldd), 0) << "the epochcost executable links LibTorch";
  // run does open it, and says which setting points at nothing.
  const auto run = run_cli("run " + default_config, "EPOCHCOST_RUNNER=/nonexistent");
  EXPECT_TRUE(refused(run, "EPOCHCOST_RUNNER names '/nonexistent', which is not a file"));
  // A file that is no library, and a library that is no runner, are the setting's fault too.
  const auto text = run_cli("run " + default_config, "EPOCHCOST_RUNNER=" + default_config);
  EXPECT_TRUE(refused(text, "EPOCHCOST_RUNNER: cannot load the LibTorch runner"));
  Dl_info libc{};
  ASSERT_NE(::dladdr(reinterpret_cast<void*>(&::puts), &libc), 0);
  const auto other =
      run_cli("run " + default_config, std::string("EPOCHCOST_RUNNER=") + libc.dli_fname);
  EXPECT_TRUE(refused(other, "is not an epochcost runner of this version"));
}

TEST(Estimate, FormatsAndOutputFile) {
  const ScratchDir dir;
  const auto written = run_cli("estimate " + default_config +
                               " --t-batch 0.1 --format csv --output " + (dir / "r.csv").string());
  EXPECT_EQ(written.exit_code, 0) << written.err;
  EXPECT_TRUE(written.out.empty());
  const std::string csv = slurp(dir / "r.csv");
  EXPECT_NE(csv.find("cost.per_epoch"), std::string::npos);
  const auto md = run_cli("estimate " + default_config + " --t-batch 0.1 --format md");
  EXPECT_EQ(md.out.rfind("## epochcost estimate", 0), 0u) << md.out;
}

struct BadInput {
  std::string name;
  std::string arguments;   // after the subcommand's config
  std::string config_text; // "" = use the default config file
  std::string expected;    // must appear in stderr
};

void PrintTo(const BadInput& c, std::ostream* os) {
  *os << c.name;
}

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, ExitsTwoNamesTheProblemAndWritesNothing) {
  const BadInput& c = GetParam();
  const ScratchDir dir;
  std::string config = default_config;
  if (!c.config_text.empty()) {
    dir.write("job.yaml", c.config_text == "<empty>" ? "" : c.config_text);
    config = (dir / "job.yaml").string();
  }
  for (const std::string command : {"estimate", "run"}) {
    if (command == "run" && c.arguments.find("--t-") != std::string::npos) continue;
    const std::string extra = command == "estimate" && c.arguments.find("--t-") == std::string::npos
                                  ? " --t-batch 0.1"
                                  : "";
    const auto output = run_cli(command + " " + config + " " + c.arguments + extra + " --output " +
                                (dir / "result.json").string());
    EXPECT_TRUE(refused(output, c.expected)) << command;
    EXPECT_TRUE(output.out.empty()) << output.out;
    EXPECT_FALSE(std::filesystem::exists(dir / "result.json"));
  }
}

const std::string base = "model: {name: mlp, input_dim: 4, output_dim: 1}\n"
                         "optimizer: {name: sgd}\n"
                         "pricing: {currency: USD, amount: 1}\n";

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInputTest,
    ::testing::Values(
        BadInput{"zero_batch", "--set data.batch_size=0", "",
                 "data.batch_size: must be ≥ 1, got 0"},
        BadInput{"fractional_batch", "", base + "data: {samples: 100, batch_size: 32.5}\n",
                 "job.yaml:4: data.batch_size: must be an integer, got 32.5"},
        BadInput{"huge_samples", "", base + "data: {samples: 1.0e+30, batch_size: 4}\n",
                 "data.samples: must be ≤ 9007199254740992 (2^53), got 1.0e+30"},
        BadInput{"negative_price", "--set pricing.amount=-1", "",
                 "pricing.amount: must be ≥ 0, got -1"},
        BadInput{"nan_price", "--set pricing.amount=.nan", "",
                 "pricing.amount: must be a finite number"},
        BadInput{"unknown_key", "--set data.batch_sise=4", "",
                 "data.batch_sise: unknown key (did you mean 'batch_size'?)"},
        BadInput{"unknown_enum", "--set pricing.unit=hourly", "", "pricing.unit: must be one of"},
        BadInput{"unknown_model", "--set model.name=transformer", "", "model.name: must be one of"},
        BadInput{"unknown_currency", "--set pricing.currency=dollars", "", "pricing.currency"},
        BadInput{"min_over_max", "--set timing.max_steps=10", "",
                 "timing.min_steps (200) must be ≤ timing.max_steps (10)"},
        BadInput{"no_step_epoch", "--set data.samples=8 --set data.drop_last=true", "",
                 "the epoch would have no step"},
        BadInput{"empty_file", "", "<empty>", "the config file is empty"},
        BadInput{"syntax_error", "", "data: {samples: 10\npricing: [\n", "YAML syntax error"},
        BadInput{"bad_set_syntax", "--set data.batch_size", "", "expected key.path=value"},
        BadInput{"bad_format", "--format xml", "", "--format"},
        BadInput{"unknown_flag", "--frobnicate", "", "frobnicate"}),
    [](const auto& info) { return info.param.name; });

TEST(BadInput, MissingConfigFile) {
  for (const std::string command :
       {"estimate /nonexistent/job.yaml --t-batch 1", "run /nonexistent/job.yaml",
        "validate /nonexistent/job.yaml"}) {
    const auto output = run_cli(command);
    EXPECT_TRUE(refused(output, "cannot open config '/nonexistent/job.yaml'")) << command;
  }
}

TEST(BadInput, EstimateTimes) {
  for (const std::string flags : {"", "--t-batch -1", "--t-batch abc", "--t-epoch-hours 0",
                                  "--t-batch 1 --t-epoch-hours 1", "--t-batch nan"}) {
    const auto output = run_cli("estimate " + default_config + " " + flags);
    EXPECT_TRUE(refused(output, "t-")) << flags;
  }
  const auto empty = run_cli("estimate " + default_config + " --t-batch ''");
  EXPECT_TRUE(refused(empty, "--t-batch: must be a finite number > 0, got ''"));
  const auto word = run_cli("estimate " + default_config + " --t-batch abc");
  EXPECT_NE(word.err.find("--t-batch: must be a finite number > 0, got 'abc'"), std::string::npos)
      << word.err;
  const auto overflow = run_cli("estimate " + default_config + " --t-epoch-hours 1e308");
  EXPECT_TRUE(
      refused(overflow, "--t-epoch-hours: 1e+308 hours are more seconds than a double holds"));
}

TEST(BadInput, OutputIntoAMissingDirectoryFailsBeforeMeasuring) {
  const auto output =
      run_cli("run " + default_config + quick + " --output /nonexistent/dir/r.json");
  EXPECT_TRUE(refused(output, "--output: directory '/nonexistent/dir' does not exist"));
}

TEST(BadInput, CudaRequestedWithoutADevice) {
  if (std::system("nvidia-smi -L >/dev/null 2>&1") == 0) GTEST_SKIP() << "a GPU is present";
  if (!EPOCHCOST_HAS_RUNNER) GTEST_SKIP() << "built without the LibTorch runner";
  const auto output = run_cli("run " + default_config + " --set device=cuda:0");
  EXPECT_TRUE(refused(output, "device: cuda:0 requested, but"));
}

class Catalogs : public ::testing::Test {
protected:
  ScratchDir dir;
  std::string job() {
    dir.write("job.yaml", "data: {samples: 52002, batch_size: 4}\n"
                          "pricing: {catalog: ciuic, instance: A100x4}\n"
                          "extra_costs: {storage_transfer: 2, ops: 1}\nepochs: 10\n");
    return (dir / "job.yaml").string();
  }
};

TEST_F(Catalogs, CatalogEntryReproducesTheWorkedExample) {
  const auto j = json_of(run_cli("estimate " + job() + " --t-epoch-hours 1.5 --format json"));
  EXPECT_DOUBLE_EQ(j["cost"]["per_epoch"].get<double>(), 123.0);
  EXPECT_DOUBLE_EQ(j["cost"]["total"].get<double>(), 1230.0);
  EXPECT_EQ(j["config"]["pricing"]["gpu"], "A100-SXM4-80GB");
  EXPECT_EQ(j["config"]["pricing"]["catalog"], "ciuic");
  EXPECT_EQ(j["config"]["pricing"]["gpus"], 4);
  // The other reading of the same table: 20 CNY per hour for the whole 4-GPU instance.
  const auto other = json_of(run_cli(
      "estimate " + job() + " --t-epoch-hours 1.5 --set pricing.unit=instance_hour --format json"));
  EXPECT_DOUBLE_EQ(other["cost"]["per_epoch"].get<double>(), 1.5 * 20 + 3);
}

TEST_F(Catalogs, UnknownCatalogsAndEntriesAreNamed) {
  const auto entry = run_cli("estimate " + job() + " --t-batch 1 --set pricing.instance=A100x8");
  EXPECT_TRUE(refused(
      entry, "pricing.instance: 'A100x8' is not in catalog ciuic (did you mean 'A100x4'?)"));
  const auto catalog = run_cli("estimate " + job() + " --t-batch 1 --set pricing.catalog=ciuc");
  EXPECT_TRUE(refused(catalog, "pricing.catalog: no catalog 'ciuc' (did you mean 'ciuic'?)"));
  const auto gpu = run_cli("estimate " + job() + " --t-batch 1 --set pricing.gpu=Voodoo");
  EXPECT_TRUE(refused(gpu, "pricing.gpu: 'Voodoo' is not in the GPU spec table"));
}

TEST_F(Catalogs, ACatalogPathIsTakenFromTheConfigsFolder) {
  std::filesystem::create_directories(dir / "jobs" / "prices");
  dir.write("jobs/prices/mine.yaml",
            "provider: p\ncurrency: USD\nsource: s\ndate: 2026-11-29\ninstances:\n"
            "  - {name: one, gpu: H200, gpus: 1, price: 3, unit: gpu_hour}\n");
  dir.write("jobs/job.yaml", "data: {samples: 10, batch_size: 2}\n"
                             "pricing: {catalog: prices/mine.yaml, instance: one}\n");
  // From another working directory, the path still means the config's neighbour.
  const auto output = run_cli("estimate jobs/job.yaml --t-batch 1 --format json",
                              "cd " + dir.path().string() + " &&");
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(json_of(output)["config"]["pricing"]["amount"], 3);
}

TEST_F(Catalogs, ACatalogMustListEachInstanceOnce) {
  const std::string head = "provider: p\ncurrency: USD\nsource: s\ndate: 2026-11-29\n";
  const std::string entry = "  - {name: one, gpu: H200, gpus: 1, price: 3, unit: gpu_hour}\n";
  dir.write("twice.yaml", head + "instances:\n" + entry + entry);
  dir.write("none.yaml", head + "instances: []\n");
  const std::string job_text = "data: {samples: 10, batch_size: 2}\npricing: {catalog: ";
  dir.write("a.yaml", job_text + (dir / "twice.yaml").string() + ", instance: one}\n");
  dir.write("b.yaml", job_text + (dir / "none.yaml").string() + ", instance: one}\n");
  const auto twice = run_cli("estimate " + (dir / "a.yaml").string() + " --t-batch 1");
  EXPECT_TRUE(refused(twice, "instances[1].name: 'one' is listed twice"));
  const auto none = run_cli("estimate " + (dir / "b.yaml").string() + " --t-batch 1");
  EXPECT_TRUE(refused(none, "instances: lists no instance"));
}

TEST_F(Catalogs, ACatalogStatesItsCurrencyAndDateProperly) {
  const std::string entry = "instances:\n  - {name: one, gpu: H200, gpus: 1, price: 3, "
                            "unit: gpu_hour}\n";
  const std::string job_text = "data: {samples: 10, batch_size: 2}\npricing: {catalog: ";
  for (const auto& [head, expected] : std::vector<std::pair<std::string, std::string>>{
           {"provider: p\ncurrency: usd\nsource: s\ndate: 2026-11-29\n",
            "currency: must be a 3-letter upper-case currency code such as USD, EUR or CNY; got "
            "'usd'"},
           {"provider: p\ncurrency: USD\nsource: s\ndate: 2025-13-45\n",
            "date: must be the date the prices were read, as YYYY-MM-DD; got '2025-13-45'"},
           {"provider: p\ncurrency: USD\nsource: s\ndate: yesterday\n", "got 'yesterday'"}}) {
    dir.write("bad.yaml", head + entry);
    dir.write("job.yaml", job_text + (dir / "bad.yaml").string() + ", instance: one}\n");
    const auto refusal = run_cli("estimate " + (dir / "job.yaml").string() + " --t-batch 1");
    EXPECT_TRUE(refused(refusal, expected)) << head;
  }
  dir.write("bad.yaml", "provider: p\ncurrency: usd\nsource: s\ndate: today\n" + entry);
  const auto both = run_cli("estimate " + (dir / "job.yaml").string() + " --t-batch 1");
  EXPECT_NE(both.err.find("2 errors in price catalog " + (dir / "bad.yaml").string()),
            std::string::npos)
      << both.err;
}

// Results of one tiny-decoder workload priced as the three configurations of the published table.
class Compare : public ::testing::Test {
protected:
  ScratchDir dir;
  void SetUp() override {
    dir.write("job.yaml",
              "model: {name: decoder, preset: tiny}\nlora: {rank: 8, targets: [q, v]}\n"
              "data: {samples: 2048, batch_size: 4, seq_len: 128}\n"
              "optimizer: {name: adamw}\ndevice: cpu\n"
              "timing: {warmup_steps: 2, min_steps: 10, min_seconds: 0.1, max_seconds: 1, "
              "target_ci_pct: 5}\npricing: {catalog: ciuic, instance: A100x4}\n");
  }
  std::string estimate(const std::string& name, const std::string& instance, double t_batch,
                       const std::string& extra = "") {
    const auto out = (dir / (name + ".json")).string();
    const auto result = run_cli("estimate " + (dir / "job.yaml").string() + " --t-batch " +
                                std::to_string(t_batch) + " --set pricing.instance=" + instance +
                                extra + " --format json --output " + out);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return out;
  }
};

TEST_F(Compare, MarksTheCheapestAndTheFastest) {
  const std::string a100 = estimate("a100", "A100x4", 0.050);
  const std::string v100 = estimate("v100", "V100x4", 0.140);
  const std::string rtx = estimate("rtx3090", "RTX3090", 0.110);
  const auto output = run_cli("compare " + a100 + " " + v100 + " " + rtx + " --format json");
  ASSERT_EQ(output.exit_code, 0) << output.err;
  const auto j = nlohmann::json::parse(output.out);
  EXPECT_EQ(j["currency"], "CNY");
  const auto& rows = j["rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["gpu"], "A100-SXM4-80GB");
  // A100×4: 128 steps × 0.05 s = 6.4 s at 80 CNY/h; V100×4: 17.92 s at 48 CNY/h; 3090: 512 steps.
  EXPECT_NEAR(rows[0]["cost_per_epoch"].get<double>(), 6.4 / 3600 * 80, 1e-12);
  EXPECT_NEAR(rows[1]["cost_per_epoch"].get<double>(), 17.92 / 3600 * 48, 1e-12);
  EXPECT_NEAR(rows[2]["cost_per_epoch"].get<double>(), 56.32 / 3600 * 5, 1e-12);
  EXPECT_TRUE(rows[0]["fastest"].get<bool>());
  EXPECT_TRUE(rows[2]["cheapest"].get<bool>());
  EXPECT_FALSE(rows[1]["cheapest"].get<bool>() || rows[1]["fastest"].get<bool>());
  EXPECT_NEAR(rows[1]["speedup"].get<double>(), 6.4 / 17.92, 1e-12);
  EXPECT_NEAR(rows[2]["cost_per_million_tokens"].get<double>(),
              rows[2]["cost_per_epoch"].get<double>() / (2048.0 * 128) * 1e6, 1e-12);
  const auto table = run_cli("compare " + a100 + " " + v100 + " " + rtx + " --baseline 2");
  EXPECT_NE(table.out.find("cheapest"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("(baseline)"), std::string::npos);
}

TEST_F(Compare, TheCheapestAndTheFastestAreOfTheWholeJob) {
  // The A100 box's epoch is cheaper and shorter, but it takes half an hour to provision and bills
  // whole hours: its job costs 80 CNY and takes 30 min, the V100's job 48 CNY and 18 s.
  const std::string slow_start =
      " --set 'job={provisioning_s: 1800, billing: per_hour, minimum_billed_s: 3600}'";
  const std::string a100 = estimate("a100", "A100x4", 0.050, slow_start);
  const std::string v100 = estimate("v100", "V100x4", 0.140, " --set job.billing=per_hour");
  const auto j =
      nlohmann::json::parse(run_cli("compare " + a100 + " " + v100 + " --format json").out);
  const auto& rows = j["rows"];
  ASSERT_EQ(rows.size(), 2u) << j.dump();
  EXPECT_LT(rows[0]["cost_per_epoch"].get<double>(), rows[1]["cost_per_epoch"].get<double>());
  EXPECT_DOUBLE_EQ(rows[0]["total"].get<double>(), 80);
  EXPECT_DOUBLE_EQ(rows[1]["total"].get<double>(), 48);
  EXPECT_NEAR(rows[0]["job_wall_s"].get<double>(), 1806.4, 1e-9);
  EXPECT_TRUE(rows[1]["cheapest"].get<bool>());
  EXPECT_TRUE(rows[1]["fastest"].get<bool>());
  EXPECT_FALSE(rows[0]["cheapest"].get<bool>() || rows[0]["fastest"].get<bool>());
  // Runs of as many epochs that cost the same are both the cheapest.
  const std::string twin = estimate("twin", "V100x4", 0.140, " --set job.billing=per_hour");
  const auto tie =
      nlohmann::json::parse(run_cli("compare " + v100 + " " + twin + " --format json").out);
  EXPECT_TRUE(tie["rows"][0]["cheapest"].get<bool>() && tie["rows"][1]["cheapest"].get<bool>());
  // Epochs of other datasets are ranked per sample: the smaller dataset's cheaper, shorter job is
  // not the cheaper, faster GPU.
  const std::string small = estimate("small", "V100x4", 0.140, " --set data.samples=256");
  const std::string full = estimate("full", "A100x4", 0.050);
  const auto sizes =
      nlohmann::json::parse(run_cli("compare " + full + " " + small + " --format json").out);
  EXPECT_GT(sizes["rows"][0]["total"].get<double>(), sizes["rows"][1]["total"].get<double>());
  EXPECT_TRUE(sizes["rows"][0]["cheapest"].get<bool>());
  EXPECT_TRUE(sizes["rows"][0]["fastest"].get<bool>());
  // Runs of other epoch counts are ranked per sample too: their totals buy different things.
  const std::string longer = estimate("longer", "V100x4", 0.140, " --set epochs=3");
  const auto mixed =
      nlohmann::json::parse(run_cli("compare " + a100 + " " + longer + " --format json").out);
  EXPECT_TRUE(mixed["rows"][0]["cheapest"].get<bool>());
  EXPECT_TRUE(mixed["rows"][0]["fastest"].get<bool>());
}

TEST_F(Compare, RefusesMixedWorkloadsAndCurrencies) {
  const std::string a100 = estimate("a100", "A100x4", 0.05);
  const std::string other = estimate("r16", "A100x4", 0.05, " --set lora.rank=16");
  const auto mixed = run_cli("compare " + a100 + " " + other);
  EXPECT_TRUE(refused(mixed, "trains another workload"));
  EXPECT_NE(mixed.err.find("model.lora.rank"), std::string::npos) << mixed.err;
  // Another model family: its name is the difference named, not the first key in the alphabet.
  const auto mlp = (dir / "mlp.json").string();
  ASSERT_EQ(run_cli("estimate " + default_config + " --t-batch 0.001 --format json --output " + mlp)
                .exit_code,
            0);
  const auto family = run_cli("compare " + mlp + " " + a100);
  EXPECT_TRUE(refused(family, "first difference: model.name (\"mlp\" vs \"decoder\")"));
  const std::string usd = estimate("usd", "A100x4", 0.05, " --set pricing.currency=USD");
  const auto currencies = run_cli("compare " + a100 + " " + usd);
  EXPECT_TRUE(refused(currencies, "priced in USD"));
  dir.write("junk.json", "{\"a\": 1}");
  const auto junk = run_cli("compare " + a100 + " " + (dir / "junk.json").string());
  EXPECT_TRUE(refused(junk, "not an epochcost result"));
  EXPECT_EQ(run_cli("compare " + a100 + " --baseline 3").exit_code, 2);
}

bool has_gnuplot() {
  return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

bool is_svg(const std::string& text) {
  return text.rfind("<?xml", 0) == 0 || text.rfind("<svg", 0) == 0;
}

TEST_F(Compare, PlotDrawsCostAndEpochTimePerConfiguration) {
  if (!has_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (scripts/setup.sh installs it)";
  const std::string a100 = estimate("a100", "A100x4", 0.050);
  const std::string rtx = estimate("rtx3090", "RTX3090", 0.110);
  const auto output =
      run_cli("compare " + a100 + " " + rtx + " --plot " + (dir / "c.svg").string());
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_NE(output.out.find("cheapest"), std::string::npos) << output.out; // the report as ever
  EXPECT_NE(output.err.find("wrote " + (dir / "c.svg").string()), std::string::npos) << output.err;
  const std::string svg = slurp(dir / "c.svg");
  EXPECT_TRUE(is_svg(svg)) << svg.substr(0, 200);
  EXPECT_NE(svg.find("A100-SXM4-80GB ×4 fp32 b4"), std::string::npos);
  EXPECT_NE(svg.find("RTX-3090 ×1 fp32 b4"), std::string::npos);
  EXPECT_NE(svg.find("cost per epoch (CNY)"), std::string::npos);
  EXPECT_NE(svg.find("epoch time (s)"), std::string::npos);
  EXPECT_NE(slurp(dir / "c.dat").find("\"RTX-3090 ×1 fp32 b4\"\t0.07822"), std::string::npos);
}

TEST_F(Compare, PlotWithoutGnuplotWritesTheDataAndTheScriptAndSaysSo) {
  const std::string a100 = estimate("a100", "A100x4", 0.050);
  const auto output = run_cli("compare " + a100 + " --plot " + (dir / "c.png").string(),
                              "EPOCHCOST_GNUPLOT=" + (dir / "no-gnuplot").string());
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_NE(output.err.find("gnuplot not found"), std::string::npos) << output.err;
  EXPECT_NE(output.err.find("gnuplot 'c.gp'"), std::string::npos) << output.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "c.dat"));
  EXPECT_NE(slurp(dir / "c.gp").find("set terminal pngcairo"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "c.png"));
}

TEST_F(Compare, BadPlotTargetsExitTwoAndWriteNothing) {
  const std::string a100 = estimate("a100", "A100x4", 0.050);
  const auto before = std::distance(std::filesystem::directory_iterator(dir.path()), {});
  for (const std::string& target :
       {(dir / "c.pdf").string(), (dir / "c").string(), (dir / "missing" / "c.svg").string()}) {
    const auto output = run_cli("compare " + a100 + " --plot " + target + " --output " +
                                (dir / "report.txt").string());
    EXPECT_TRUE(refused(output, "--plot")) << target;
    EXPECT_TRUE(output.out.empty()) << output.out;
  }
  EXPECT_NE(run_cli("compare " + a100 + " --plot " + (dir / "c.pdf").string()).err.find("'.pdf'"),
            std::string::npos);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), before);
}

// Hand-written A100×4, V100×4 and RTX 3090 results of one fp16 workload (fixture README).
std::string fixtures(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names)
    list += " " + source_path("tests/fixtures/results/tiny-lora-fp16-" + name + ".json");
  return list;
}

TEST(CompareFixtures, MeasuredShapedResultsPricedAndRepriced) {
  const auto files = fixtures({"a100x4", "v100x4", "rtx3090"});
  const auto j = json_of(run_cli("compare" + files + " --format json"));
  const auto& rows = j["rows"];
  EXPECT_EQ(rows[0]["gpu"], "NVIDIA A100-SXM4-80GB");
  EXPECT_TRUE(rows[0]["fastest"].get<bool>());
  EXPECT_TRUE(rows[2]["cheapest"].get<bool>());
  // Re-priced from the catalog the results were priced with, nothing changes.
  const auto same = json_of(run_cli("compare" + files + " --pricing ciuic --format json"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(same["rows"][i]["cost_per_epoch"].get<double>(),
                rows[i]["cost_per_epoch"].get<double>(), 1e-12);
  }
  // A pricing file: 40 CNY per GPU-hour × 4 for everyone, 5 min provisioning, whole minutes.
  ScratchDir dir;
  dir.write("p.yaml", "pricing: {currency: CNY, amount: 40, gpus: 4}\n"
                      "job: {provisioning_s: 300, billing: per_minute}\n");
  const auto repriced = json_of(
      run_cli("compare" + files + " --pricing " + (dir / "p.yaml").string() + " --format json"));
  EXPECT_NEAR(repriced["rows"][0]["cost_per_epoch"].get<double>(), 6.4 / 3600 * 160, 1e-12);
  EXPECT_NEAR(repriced["rows"][0]["total"].get<double>(), 0.1 * 160, 1e-12); // 6 minutes billed
  // The single 3090 now stands for four: 128 steps, the note says it is an assumption.
  EXPECT_EQ(repriced["rows"][2]["gpus"], 4);
  EXPECT_NEAR(repriced["rows"][2]["epoch_s"].get<double>(), 128 * 0.110, 1e-9);
  // In another currency only at the user's rate.
  const auto usd =
      json_of(run_cli("compare" + files + " --currency USD --rate CNY=0.14 --format json"));
  EXPECT_EQ(usd["currency"], "USD");
  EXPECT_NEAR(usd["rows"][1]["cost_per_epoch"].get<double>(),
              0.14 * rows[1]["cost_per_epoch"].get<double>(), 1e-12);
  // Against a baseline that costs nothing there is no cost ratio, rather than inf or nan.
  dir.write("free.yaml", "pricing: {currency: CNY, amount: 0, gpus: 4}\n");
  const auto free = json_of(
      run_cli("compare" + files + " --pricing " + (dir / "free.yaml").string() + " --format json"));
  EXPECT_TRUE(free["rows"][1]["cost_ratio"].is_null()) << free.dump();
  const auto free_table =
      run_cli("compare" + files + " --pricing " + (dir / "free.yaml").string() + " --format md");
  EXPECT_EQ(free_table.out.find("inf"), std::string::npos) << free_table.out;
  EXPECT_NE(free_table.out.find("(costs in CNY)"), std::string::npos) << free_table.out;
  // A warning in Markdown is bold up to its run's number, and closed there.
  dir.write("v100.yaml", "pricing: {currency: CNY, amount: 3, gpus: 4, gpu: V100-SXM2-32GB}\n");
  const auto warned =
      run_cli("compare" + files + " --pricing " + (dir / "v100.yaml").string() + " --format md");
  EXPECT_NE(warned.out.find("\n- **run 1:** MISMATCH: priced for V100-SXM2-32GB"),
            std::string::npos)
      << warned.out;
  // A repeatable flag takes one value each time: the files after it stay files.
  const auto rate_first =
      json_of(run_cli("compare --rate CNY=0.14" + files + " --currency USD --format json"));
  EXPECT_EQ(rate_first["rows"].size(), 3u);
  const auto twice = run_cli("compare" + files + fixtures({"v100x4"}));
  EXPECT_TRUE(refused(twice, "is given twice (files 2 and 4)"));
  // Two rates after one flag: the second is taken for a file, and said to look like a rate.
  const auto two = run_cli("compare" + files + " --currency EUR --rate USD=0.9 CNY=0.14");
  EXPECT_TRUE(refused(two, "'CNY=0.14' is no result file but looks like a rate: give --rate once"));
  const auto no_rate = run_cli("compare" + files + " --currency USD");
  EXPECT_TRUE(refused(no_rate, "give --rate CNY="));
  EXPECT_EQ(run_cli("compare" + files + " --currency USD --rate CNY=-1").exit_code, 2);
  const auto overflow = run_cli("compare" + files + " --currency USD --rate CNY=1e308");
  EXPECT_TRUE(refused(overflow, "--rate CNY=1e+308: "));
  const auto itself = run_cli("compare" + files + " --currency CNY --rate CNY=2");
  EXPECT_TRUE(refused(itself, "CNY is the --currency itself"));
  EXPECT_EQ(run_cli("compare" + files + " --currency USD --rate CNY=0.14 --rate CNY=0.2").exit_code,
            2);
  // A catalog that sells A100s only in 8-GPU instances: the 4-GPU job keeps its size and pays a
  // whole instance, and says so.
  const auto aws =
      json_of(run_cli("compare" + fixtures({"a100x4"}) + " --pricing aws --format json"));
  EXPECT_EQ(aws["rows"][0]["gpus"], 4);
  EXPECT_NEAR(aws["rows"][0]["epoch_s"].get<double>(), 6.4, 1e-9);
  EXPECT_NEAR(aws["rows"][0]["cost_per_epoch"].get<double>(), 6.4 / 3600 * 27.44705, 1e-12);
  EXPECT_NE(aws["rows"][0]["notes"].dump().find("billed as 1 whole instance(s) of 8 GPU(s)"),
            std::string::npos)
      << aws["rows"][0]["notes"];
  // The catalog's price as written, not rounded to six digits.
  EXPECT_NE(aws["rows"][0]["notes"].dump().find("27.44705 USD per instance_hour"),
            std::string::npos)
      << aws["rows"][0]["notes"];
  // A damaged result is bad input naming the file and the key, never an internal error.
  auto damaged = nlohmann::json::parse(
      slurp(source_path("tests/fixtures/results/tiny-lora-fp16-a100x4.json")));
  damaged.erase("cost");
  dir.write("damaged.json", damaged.dump());
  const auto broken =
      run_cli("compare " + (dir / "damaged.json").string() + " --currency USD --rate CNY=0.14");
  EXPECT_TRUE(refused(broken, "damaged.json: the result has no cost (so no cost.currency)"));
  const auto runpod = run_cli("compare" + files + " --pricing runpod");
  EXPECT_TRUE(refused(runpod, "catalog runpod has no instance with V100-SXM2-32GB"));
}

TEST(Estimate, WholeRunCostsSpotAndBudget) {
  const std::string job =
      "estimate " + cost_only_config +
      " --t-epoch-hours 1.5 --set job.provisioning_s=600 --set job.billing=per_hour"
      " --set job.minimum_billed_s=3600 --set job.eval_s_per_epoch=120"
      " --set job.checkpoint_s_per_epoch=60";
  const auto j = json_of(run_cli(job + " --budget 1000 --format json"));
  EXPECT_DOUBLE_EQ(j["cost"]["per_epoch"].get<double>(), 127.0);
  EXPECT_DOUBLE_EQ(j["cost"]["total"].get<double>(), 1310.0);
  EXPECT_EQ(j["budget"]["full_epochs"], 7);
  EXPECT_EQ(j["budget"]["currency"], "CNY");
  EXPECT_NEAR(j["budget"]["epochs"].get<double>(), 42600.0 / 5580, 1e-9);
  const auto table = run_cli(job + " --budget 1000");
  EXPECT_NE(table.out.find("Budget 1000.00 CNY"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("7 full"), std::string::npos) << table.out;
  const auto spot = json_of(
      run_cli("estimate " + cost_only_config +
              " --t-epoch-hours 1 --set pricing.spot.interruptions_per_hour=0.5"
              " --set pricing.spot.restart_s=600 --set pricing.spot.checkpoint_interval_s=1200"
              " --format json"));
  // Each hour of work takes 1 + 0.5 · (600 + 600) / 3600 = 7/6 hours on spot capacity.
  EXPECT_DOUBLE_EQ(spot["cost"]["per_epoch"].get<double>(), 80.0 * 7 / 6 + 3);
  EXPECT_EQ(spot["cost"]["market"], "spot");
  ScratchDir dir;
  dir.write("spot.yaml", "data: {samples: 100, batch_size: 4}\n"
                         "pricing: {catalog: ciuic, instance: A100x4, spot: "
                         "{interruptions_per_hour: 1, restart_s: 1, checkpoint_interval_s: 1}}\n");
  const auto no_spot_price = run_cli("estimate " + (dir / "spot.yaml").string() + " --t-batch 1");
  EXPECT_TRUE(refused(no_spot_price, "catalog ciuic has no spot_price for A100x4"));
  const auto free =
      json_of(run_cli("estimate " + cost_only_config +
                      " --t-batch 1 --set pricing.amount=0 --set extra_costs.ops=0"
                      " --set extra_costs.storage_transfer=0 --budget 5 --format json"));
  EXPECT_TRUE(free["budget"]["unlimited"].get<bool>());
  // Ten epochs of 0.37 s steps: no fixed cost, not even rounding noise.
  const auto plain = json_of(
      run_cli("estimate " + default_config + " --t-batch 0.37 --set epochs=10 --format json"));
  EXPECT_EQ(plain["cost"]["fixed_per_run"].get<double>(), 0.0);
  EXPECT_EQ(run_cli(job + " --budget 0").exit_code, 2);
  EXPECT_EQ(run_cli(job + " --set job.billing=weekly").exit_code, 2);
}

TEST(Project, LabelsEveryFigureProjectedAndRefusesBadTargets) {
  const std::string fixture = source_path("tests/fixtures/results/a100-bf16-split.json");
  const auto table = run_cli("project " + fixture + " --to H100-SXM5-80GB,'RTX 3090'");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("PROJECTED, not measured"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("does not fit"), std::string::npos) << table.out;
  const auto j = json_of(run_cli("project " + fixture + " --to H100-SXM5-80GB --format json"));
  EXPECT_EQ(j["schema"], "epochcost.projection/1");
  EXPECT_TRUE(j["projected"].get<bool>());
  EXPECT_NEAR(j["targets"][0]["t_batch_s"].get<double>(), 0.083699, 1e-6);
  // One GPU named twice is one row.
  const auto twice =
      json_of(run_cli("project " + fixture + " --to H100-SXM5-80GB,H100-SXM5-80GB --format json"));
  EXPECT_EQ(twice["targets"].size(), 1u);
  // Priced from a catalog: the projected 1000-step epoch on one H100 at 2.69 USD per hour.
  const auto priced = json_of(run_cli(
      "project " + fixture + " --to H100-SXM5-80GB,L40S,H200 --pricing runpod --format json"));
  const auto& h100 = priced["targets"][0];
  EXPECT_EQ(h100["cost"]["priced_as"], "runpod H100-SXM");
  EXPECT_NEAR(h100["cost"]["per_epoch"].get<double>(),
              1000 * h100["t_batch_s"].get<double>() / 3600 * 2.69, 1e-12);
  EXPECT_TRUE(priced["targets"][1]["cost"].is_null()); // 70 GB does not fit the L40S
  const auto unpriced =
      json_of(run_cli("project " + fixture + " --to H100-SXM5-80GB --pricing ciuic --format json"));
  EXPECT_EQ(unpriced["targets"][0]["unpriced"], "catalog ciuic has no H100-SXM5-80GB");
  const auto unknown = run_cli("project " + fixture + " --to H200,B300");
  EXPECT_TRUE(refused(unknown, "'B300' is not in the GPU spec table"));
  // Blanks around a name are no part of it; an empty name is a mistake, not skipped.
  const auto spaced = json_of(run_cli("project " + fixture + " --to 'H200, L40S' --format json"));
  ASSERT_EQ(spaced["targets"].size(), 2u);
  EXPECT_EQ(spaced["targets"][1]["gpu"], "L40S");
  EXPECT_TRUE(refused(run_cli("project " + fixture + " --to H200,"), "--to: GPU 2 of 'H200,'"));
  const auto repeated =
      json_of(run_cli("project " + fixture + " --to H200 --to 'L40S,RTX 3090' --format json"));
  EXPECT_EQ(repeated["targets"].size(), 3u);
  EXPECT_TRUE(refused(run_cli("project " + fixture + " --to ,"), "--to: GPU 1 of ',' is empty"));
  const auto estimate = run_cli("project " + default_config + " --to H200");
  EXPECT_TRUE(refused(estimate, "not valid JSON"));
}

TEST_F(Compare, RepricingWithTheCatalogReproducesTheWorkedExample) {
  // Priced wrongly first (7 CNY per GPU-hour), as an A100×4 job of 1.5 h per epoch.
  const auto result = (dir / "r.json").string();
  ASSERT_EQ(
      run_cli("estimate " + (dir / "job.yaml").string() +
              " --t-epoch-hours 1.5 --set pricing='{currency: CNY, amount: 7, gpus: 4, "
              "gpu: A100-SXM4-80GB}' --set extra_costs.storage_transfer=2 --set extra_costs.ops=1 "
              "--set epochs=10 --format json --output " +
              result)
          .exit_code,
      0);
  const auto j = json_of(run_cli("compare " + result + " --pricing ciuic --format json"));
  EXPECT_DOUBLE_EQ(j["rows"][0]["cost_per_epoch"].get<double>(), 123.0);
  EXPECT_DOUBLE_EQ(j["rows"][0]["total"].get<double>(), 1230.0);
  dir.write("bad.yaml", "pricing: {catalog: ciuic, instance: A100x8}\n");
  const auto bad = run_cli("compare " + result + " --pricing " + (dir / "bad.yaml").string());
  EXPECT_TRUE(refused(bad, "pricing.instance: 'A100x8' is not in catalog ciuic"));
  const auto missing = run_cli("compare " + result + " --pricing nosuchcatalog");
  EXPECT_TRUE(refused(missing, "nosuchcatalog"));
}

#if EPOCHCOST_HAS_HISTORY
class History : public ::testing::Test {
protected:
  ScratchDir dir;
  std::string db() const { return (dir / "history.sqlite").string(); }
  // An estimate of the default job with the given step time, as a result file.
  std::string result(const std::string& name, double t_batch_s) const {
    const auto file = (dir / (name + ".json")).string();
    EXPECT_EQ(run_cli("estimate " + default_config + " --t-batch " + std::to_string(t_batch_s) +
                      " --format json --output " + file)
                  .exit_code,
              0);
    return file;
  }
  int rows() const {
    const auto output = run_cli("history list --history " + db() + " --format json");
    EXPECT_EQ(output.exit_code, 0) << output.err;
    return static_cast<int>(nlohmann::json::parse(output.out).size());
  }
};

TEST_F(History, TheSameResultIsRecordedOnce) {
  const auto file = result("a", 0.1);
  EXPECT_EQ(run_cli("history import " + file + " --history " + db()).exit_code, 0);
  const auto again = run_cli("history import " + file + " --history " + db());
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("already in"), std::string::npos) << again.err;
  EXPECT_EQ(rows(), 1);
}

TEST_F(History, ConcurrentWritersLoseNothing) {
  std::string first, second;
  for (int i = 0; i < 20; ++i) {
    first += " " + result("a" + std::to_string(i), 0.1 + i * 1e-4);
    second += " " + result("b" + std::to_string(i), 0.2 + i * 1e-4);
  }
  const std::string binary = EPOCHCOST_BINARY;
  const std::string command =
      "( for f in" + first + "; do " + binary + " history import $f --history " + db() +
      " 2>/dev/null || exit 1; done ) & ( for f in" + second + "; do " + binary +
      " history import $f --history " + db() + " 2>/dev/null || exit 1; done ) & wait";
  EXPECT_EQ(std::system(("bash -c '" + command + "'").c_str()), 0);
  EXPECT_EQ(rows(), 40);
}

TEST_F(History, APlantedSlowdownIsFlaggedANoiseLevelChangeIsNot) {
  std::string files;
  for (const double t : {0.100, 0.101, 0.099, 0.1005})
    files += " " + result(std::to_string(t), t);
  ASSERT_EQ(run_cli("history import" + files + " --history " + db()).exit_code, 0);
  EXPECT_EQ(run_cli("history check --history " + db()).exit_code,
            0); // no latest beyond the earlier ones yet
  ASSERT_EQ(run_cli("history import " + result("noise", 0.1008) + " --history " + db()).exit_code,
            0);
  const auto noise = run_cli("history check --history " + db());
  EXPECT_EQ(noise.exit_code, 0) << noise.out;
  EXPECT_NE(noise.out.find("No regression"), std::string::npos);
  ASSERT_EQ(run_cli("history import " + result("slow", 0.12) + " --history " + db()).exit_code, 0);
  const auto slow = run_cli("history check --history " + db());
  EXPECT_EQ(slow.exit_code, 1) << slow.out;
  EXPECT_NE(slow.out.find("**REGRESSION**"), std::string::npos) << slow.out;
  EXPECT_NE(slow.out.find("t_batch_s"), std::string::npos);
  // The price as the history reads it from the stored result: 10% dearer hours are flagged.
  const auto dearer = (dir / "dearer.json").string();
  ASSERT_EQ(run_cli("estimate " + default_config +
                    " --t-batch 0.1 --set pricing.amount=2.739 --format json --output " + dearer)
                .exit_code,
            0);
  ASSERT_EQ(run_cli("history import " + dearer + " --history " + db()).exit_code, 0);
  const auto priced = run_cli("history check --history " + db());
  EXPECT_EQ(priced.exit_code, 1) << priced.out;
  EXPECT_NE(priced.out.find("| price_per_hour | 2.74 USD/h | 2.49 USD/h | +10%"), std::string::npos)
      << priced.out;
}

TEST_F(History, CorruptAndForeignFilesAreRefusedAndLeftUntouched) {
  dir.write("corrupt.sqlite", "not a database at all");
  const auto corrupt = run_cli("history import " + result("a", 0.1) + " --history " +
                               (dir / "corrupt.sqlite").string());
  EXPECT_TRUE(refused(corrupt, "not a readable SQLite database"));
  EXPECT_EQ(slurp(dir / "corrupt.sqlite"), "not a database at all");
  const std::string foreign = (dir / "foreign.sqlite").string();
  ASSERT_EQ(std::system(("python3 -c \"import sqlite3; c = sqlite3.connect('" + foreign +
                         "'); c.execute('create table t(a)'); c.commit()\"")
                            .c_str()),
            0);
  const std::string before = slurp(foreign);
  const auto refusal = run_cli("history list --history " + foreign);
  EXPECT_TRUE(refused(refusal, "not an epochcost history"));
  EXPECT_EQ(slurp(foreign), before);
  // A foreign database in WAL mode whose WAL is not checkpointed yet (its writer crashed): a
  // read-write connection would fold the WAL into the file on closing.
  const std::string wal_db = (dir / "wal.sqlite").string();
  ASSERT_EQ(
      std::system(("python3 -c \"import sqlite3, shutil, os; f = '" + wal_db +
                   "'; c = sqlite3.connect(f); c.execute('pragma journal_mode=wal'); "
                   "c.execute('pragma wal_autocheckpoint=0'); c.execute('create table t(a)'); "
                   "c.commit(); shutil.copy(f, f + '.0'); shutil.copy(f + '-wal', f + '.1'); "
                   "c.close(); os.replace(f + '.0', f); os.replace(f + '.1', f + '-wal')\"")
                      .c_str()),
      0);
  const std::string wal_before = slurp(wal_db), log_before = slurp(wal_db + "-wal");
  ASSERT_FALSE(log_before.empty());
  for (const std::string& command :
       {std::string("history list"), "history import " + result("w", 0.1)}) {
    EXPECT_EQ(run_cli(command + " --history " + wal_db).exit_code, 2) << command;
    EXPECT_EQ(slurp(wal_db), wal_before) << command;
    EXPECT_EQ(slurp(wal_db + "-wal"), log_before) << command;
  }
  const auto directory =
      run_cli("history import " + result("b", 0.1) + " --history " + dir.path().string());
  EXPECT_TRUE(refused(directory, "is a directory, not a history file"));
}

TEST_F(History, TrendPlotsSeriesDecadesApartOnALogAxis) {
  const auto other = (dir / "classifier.json").string();
  ASSERT_EQ(run_cli("estimate " + source_path("configs/mlp-classifier-cpu.yaml") +
                    " --t-batch 0.5 --format json --output " + other)
                .exit_code,
            0);
  ASSERT_EQ(run_cli("history import " + result("a", 0.001) + " --history " + db()).exit_code, 0);
  const auto plot = (dir / "t.svg").string();
  ASSERT_EQ(run_cli("history trend --plot " + plot + " --history " + db()).exit_code, 0);
  EXPECT_EQ(slurp(dir / "t.gp").find("\nset logscale y"), std::string::npos); // one series
  ASSERT_EQ(run_cli("history import " + other + " --history " + db()).exit_code, 0);
  ASSERT_EQ(run_cli("history trend --plot " + plot + " --history " + db()).exit_code, 0);
  const std::string gp = slurp(dir / "t.gp");
  EXPECT_NE(gp.find("set ylabel 'T_batch (ms), log scale'\nset logscale y\n"), std::string::npos)
      << gp;
}

TEST_F(History, SeriesOfAResultTheHistoryLacksIsRefused) {
  const auto recorded = result("a", 0.1);
  ASSERT_EQ(run_cli("history import " + recorded + " --history " + db()).exit_code, 0);
  EXPECT_EQ(run_cli("history check --series-of " + recorded + " --history " + db()).exit_code, 0);
  const auto other = (dir / "classifier.json").string();
  ASSERT_EQ(run_cli("estimate " + source_path("configs/mlp-classifier-cpu.yaml") +
                    " --t-batch 0.5 --format json --output " + other)
                .exit_code,
            0);
  EXPECT_TRUE(refused(run_cli("history check --series-of " + other + " --history " + db()),
                      "--series-of " + other + ": no run of its series (mlp 784→512→256→10"));
}

TEST_F(History, ListAsCsvHoldsWhatItsJsonHolds) {
  ASSERT_EQ(
      run_cli("history import " + result("a", 0.1) + " " + result("b", 0.2) + " --history " + db())
          .exit_code,
      0);
  const auto csv = run_cli("history list --format csv --history " + db());
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto json = json_of(run_cli("history list --format json --history " + db()));
  std::istringstream lines(csv.out);
  std::string header, line;
  std::getline(lines, header);
  for (const auto& [key, value] : json[0].items()) {
    const std::string column = key.ends_with("_ci95") ? key + "_low" : key;
    EXPECT_NE(("," + header + ",").find("," + column + ","), std::string::npos) << column;
  }
  int rows = 0;
  while (std::getline(lines, line))
    ++rows;
  EXPECT_EQ(rows, 2);
  EXPECT_NE(csv.out.find(",2.49,"), std::string::npos) << csv.out; // the price per hour
}

TEST_F(History, ADatabaseAnotherJobIsCreatingIsATargetNotAForeignFile) {
  // What a concurrent first import leaves for a moment: a database file in WAL mode, before its
  // tables are committed. It was refused as "not an epochcost history" (1 night in 30).
  ASSERT_EQ(std::system(("python3 -c \"import sqlite3; c = sqlite3.connect('" + db() +
                         "'); c.execute('pragma journal_mode=wal'); c.close()\"")
                            .c_str()),
            0);
  ASSERT_GT(std::filesystem::file_size(db()), 0u);
  const auto output = run_cli("history import " + result("a", 0.1) + " --history " + db());
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(rows(), 1);
}

TEST_F(History, DamagedOrOtherLayoutHistoriesAreRefusedAndLeftUntouched) {
  ASSERT_EQ(run_cli("history import " + result("a", 0.1) + " --history " + db()).exit_code, 0);
  const auto variant = [&](const std::string& name, const std::string& python) {
    const std::string file = (dir / name).string();
    std::filesystem::copy_file(db(), file);
    const std::string command = "python3 -c \"import sqlite3; f = '" + file + "'; " + python + "\"";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return file;
  };
  const std::string newer =
      variant("newer.sqlite", "c = sqlite3.connect(f); "
                              "c.execute('pragma user_version=99'); c.close()");
  const std::string other_layout =
      variant("layout.sqlite", "c = sqlite3.connect(f); c.execute('drop table runs'); "
                               "c.execute('create table runs(x)'); c.commit(); c.close()");
  // Every page after the first (the header and the schema) overwritten.
  const std::string damaged =
      variant("damaged.sqlite", "b = bytearray(open(f, 'rb').read()); n = len(b); "
                                "b[4096:] = bytes((i * 37) % 251 for i in range(n - 4096)); "
                                "open(f, 'wb').write(bytes(b))");
  for (const auto& [file, why] : std::vector<std::pair<std::string, std::string>>{
           {newer, "schema 99"}, {other_layout, "has no column 'id'"}, {damaged, "damaged"}}) {
    const std::string before = slurp(file);
    for (const std::string& command :
         {"history import " + result("b", 0.2), std::string("history list")}) {
      const auto refusal = run_cli(command + " --history " + file);
      EXPECT_TRUE(refused(refusal, file)) << command << " " << file;
      // Damage SQLite meets while opening the file is reported in its words.
      const bool named = refusal.err.find(why) != std::string::npos ||
                         (why == "damaged" &&
                          refusal.err.find("not a readable SQLite database") != std::string::npos);
      EXPECT_TRUE(named) << why << ": " << refusal.err;
      EXPECT_EQ(slurp(file), before) << command << " " << file;
    }
  }
}

TEST_F(History, TrendPrintsEachSeriesOldestFirstAndPlotsIt) {
  // Recorded newest first, so the run numbers run against time.
  const std::string older = result("older", 0.1), newer = result("newer", 0.12);
  ASSERT_EQ(run_cli("history import " + newer + " " + older + " --history " + db()).exit_code, 0);
  const auto j =
      nlohmann::json::parse(run_cli("history trend --format json --history " + db()).out);
  EXPECT_EQ(j["schema"], "epochcost.trend/1");
  ASSERT_EQ(j["series"].size(), 1u);
  const auto& runs = j["series"][0]["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["id"], 2);
  EXPECT_DOUBLE_EQ(runs[0]["t_batch_s"].get<double>(), 0.1);
  EXPECT_LT(runs[0]["timestamp"].get<std::string>(), runs[1]["timestamp"].get<std::string>());
  EXPECT_EQ(runs[1]["currency"], "USD");
  EXPECT_TRUE(runs[1]["t_batch_ci95"].is_null()); // an estimate has no interval
  const auto table = run_cli("history trend --workload mlp --history " + db());
  EXPECT_EQ(table.exit_code, 0) << table.err;
  // Filters ignore case, as --gpu and --to do elsewhere.
  const auto upper = run_cli("history trend --workload MLP --history " + db());
  EXPECT_EQ(upper.exit_code, 0) << upper.err;
  EXPECT_EQ(upper.out, table.out);
  // The first 8 characters of the hash, as list shows them, name the workload; fewer do not.
  const std::string hash = j["series"][0]["workload"].get<std::string>();
  EXPECT_EQ(run_cli("history trend --workload " + hash.substr(0, 8) + " --history " + db()).out,
            table.out);
  EXPECT_EQ(
      run_cli("history trend --workload " + hash.substr(0, 7) + " --history " + db()).exit_code, 2);
  EXPECT_NE(run_cli("history list --history " + db()).out.find(hash.substr(0, 8)),
            std::string::npos);
  EXPECT_LT(table.out.find("100 ms"), table.out.find("120 ms")) << table.out;
  EXPECT_NE(table.out.find("95% CI"), std::string::npos);
  const auto csv = run_cli("history trend --format csv --history " + db());
  EXPECT_EQ(csv.out.rfind(
                "workload,workload_description,gpu,batch_size,devices,id,timestamp,t_batch_s,", 0),
            0u)
      << csv.out;

  const auto bad =
      run_cli("history trend --plot " + (dir / "t.jpg").string() + " --history " + db());
  EXPECT_TRUE(refused(bad, "'.jpg'"));
  EXPECT_FALSE(std::filesystem::exists(dir / "t.gp"));
  // A filter that matches nothing is an error, before any report or plot is written.
  const auto none = run_cli("history trend --gpu H100 --plot " + (dir / "t.svg").string() +
                            " --output " + (dir / "t.csv").string() + " --history " + db());
  EXPECT_TRUE(refused(none, "matches --gpu 'H100'"));
  EXPECT_FALSE(std::filesystem::exists(dir / "t.csv"));
  for (const std::string command : {"list", "check"}) {
    const auto unmatched = run_cli("history " + command + " --workload nosuch --history " + db());
    EXPECT_TRUE(refused(unmatched, "matches --workload 'nosuch'")) << command;
  }

  if (!has_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (scripts/setup.sh installs it)";
  const auto plotted =
      run_cli("history trend --plot " + (dir / "t.svg").string() + " --history " + db());
  ASSERT_EQ(plotted.exit_code, 0) << plotted.err;
  EXPECT_NE(plotted.out.find("120 ms"), std::string::npos); // the series are printed as well
  const std::string svg = slurp(dir / "t.svg");
  EXPECT_TRUE(is_svg(svg)) << svg.substr(0, 200);
  EXPECT_NE(svg.find("T_batch (ms)"), std::string::npos);
  EXPECT_NE(svg.find("cost per epoch (USD)"), std::string::npos);
  EXPECT_NE(svg.find("mlp 100→1 (mse), fp32, adam on (estimate)"), std::string::npos);
}
#endif

TEST(Gpus, JsonIsABareListOfSourcedRows) {
  const auto output = run_cli("gpus --format json");
  ASSERT_EQ(output.exit_code, 0) << output.err;
  const auto list = nlohmann::json::parse(output.out);
  ASSERT_TRUE(list.is_array());
  EXPECT_GE(list.size(), 13u);
  for (const auto& gpu : list) {
    for (const char* key :
         {"name", "memory_gb", "bandwidth_gbs", "peak_tflops", "tdp_w", "source"}) {
      EXPECT_TRUE(gpu.contains(key)) << key;
    }
    for (const char* precision : {"fp32", "tf32", "fp16", "bf16"}) {
      EXPECT_TRUE(gpu["peak_tflops"].contains(precision)) << precision;
    }
  }
  const auto table = run_cli("gpus");
  EXPECT_NE(table.out.find("H100-SXM5-80GB"), std::string::npos) << table.out;
}

TEST(Info, ParamsFlopsAndMemoryWithoutRunning) {
  const auto output =
      run_cli("info " + default_config + " --format json", "EPOCHCOST_RUNNER=/nonexistent");
  ASSERT_EQ(output.exit_code, 0) << output.err;
  const auto j = nlohmann::json::parse(output.out);
  EXPECT_EQ(j["params"]["total"], 101);
  EXPECT_EQ(j["params"]["trainable"], 101);
  EXPECT_DOUBLE_EQ(j["flops"]["per_step"].get<double>(), 6.0 * 100 * 32);
  EXPECT_GT(j["memory"]["estimate_bytes"].get<double>(), 0);
  EXPECT_TRUE(j["memory"]["fits"].is_null());
  const auto on_gpu = nlohmann::json::parse(
      run_cli("info " + default_config + " --gpu 'NVIDIA L4' --format json").out);
  EXPECT_EQ(on_gpu["memory"]["gpu"], "L4");
  EXPECT_TRUE(on_gpu["memory"]["fits"].get<bool>());
  // A model that cannot fit is reported, not an error.
  const auto huge =
      run_cli("info " + default_config +
              " --set model.input_dim=100000 --set model.hidden=[100000] --gpu L4 --format json");
  EXPECT_EQ(huge.exit_code, 0) << huge.err;
  EXPECT_FALSE(nlohmann::json::parse(huge.out)["memory"]["fits"].get<bool>());
  EXPECT_EQ(nlohmann::json::parse(huge.out)["memory"]["fit"], "does not fit");
  EXPECT_TRUE(on_gpu["precision_supported"].get<bool>());
  // A GPU without the config's precision is said so, as project says it.
  const auto bf16_on_v100 = run_cli("info " + source_path("configs/decoder-1b-full-bf16.yaml") +
                                    " --gpu V100-SXM2-32GB --format json");
  ASSERT_EQ(bf16_on_v100.exit_code, 0) << bf16_on_v100.err;
  const auto v100 = nlohmann::json::parse(bf16_on_v100.out);
  EXPECT_FALSE(v100["precision_supported"].get<bool>());
  EXPECT_NE(v100["notes"].dump().find("V100-SXM2-32GB has no bf16-pure mode in the spec table"),
            std::string::npos)
      << v100["notes"];
  const auto unknown = run_cli("info " + default_config + " --gpu 'Voodoo 3'");
  EXPECT_TRUE(refused(unknown, "--gpu: 'Voodoo 3' is not in the GPU spec table"));
}

TEST(BadInput, MessagesSayWhereTheMistakeIsAndWhatWouldWork) {
  const std::string cost_only = source_path("configs/lora-7b-a100x4-cost.yaml");
  for (const std::string command : {"validate ", "info "}) {
    EXPECT_TRUE(refused(run_cli(command + cost_only),
                        "a config without one is priced by estimate (validate --for estimate"))
        << command;
  }
  EXPECT_EQ(run_cli("validate --for estimate " + cost_only).exit_code, 0);
  const std::string result = source_path("tests/fixtures/results/tiny-lora-fp16-rtx3090.json");
  EXPECT_TRUE(refused(run_cli("compare " + result + " --pricing bogus"),
                      "--pricing: no catalog 'bogus'; known: "));
  const ScratchDir dir;
  const auto nowhere =
      run_cli("history import " + result + " --history " + (dir / "no/h.sqlite").string());
  EXPECT_TRUE(
      refused(nowhere, "--history: directory '" + (dir / "no").string() + "' does not exist"));
}

TEST(Cli, HelpAndVersionExitZero) {
  EXPECT_EQ(run_cli("--help").exit_code, 0);
  const auto version = run_cli("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_FALSE(version.out.empty());
  EXPECT_EQ(run_cli("").exit_code, 2);
}

TEST(Cli, AReportThatCannotReachStandardOutputFailsTheCommand) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  const ScratchDir capture;
  for (const std::string& arguments : {std::string("gpus"), "validate " + default_config}) {
    const std::string command = std::string(EPOCHCOST_BINARY) + " " + arguments + " >/dev/full 2>" +
                                (capture / "err").string();
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << command;
    EXPECT_EQ(WEXITSTATUS(status), 4) << command; // the machine's failure, not bad input
    EXPECT_NE(slurp(capture / "err").find("cannot write the report to standard output"),
              std::string::npos)
        << slurp(capture / "err");
  }
  // A closed standard output is how the command was called: bad input, said so.
  const std::string closed =
      std::string(EPOCHCOST_BINARY) + " gpus >&- 2>" + (capture / "err").string();
  const int closed_status = std::system(closed.c_str());
  ASSERT_TRUE(WIFEXITED(closed_status));
  EXPECT_EQ(WEXITSTATUS(closed_status), 2);
  EXPECT_NE(slurp(capture / "err").find("standard output is closed"), std::string::npos)
      << slurp(capture / "err");
  // --output to a full device: the same failure, named.
  const auto full = run_cli("gpus --output /dev/full");
  EXPECT_EQ(full.exit_code, 4) << full.err;
  EXPECT_NE(full.err.find("cannot write '/dev/full': No space left on device"), std::string::npos)
      << full.err;
}

TEST(Cli, ResultsCarryTheRevisionTheBinaryReports) {
  const auto version = run_cli("--version");
  std::smatch match;
  ASSERT_TRUE(
      std::regex_search(version.out, match, std::regex(R"(\(([0-9a-f]{12}(-dirty)?|unknown)\))")))
      << version.out;
  const auto j = json_of(run_cli("estimate " + default_config + " --t-batch 0.1 --format json"));
  EXPECT_EQ(j["environment"]["git_revision"], match[1].str());
}

class RunTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (!EPOCHCOST_HAS_RUNNER) GTEST_SKIP() << "built without the LibTorch runner";
  }
};

TEST_F(RunTest, DefaultJobGivesACompleteResult) {
  const auto output = run_cli("run " + default_config + quick + " --format json --log-level warn");
  const auto j = json_of(output);
  // No progress line when stderr is not a terminal (a warning about an unstable result may appear).
  EXPECT_EQ(output.err.find('\r'), std::string::npos) << output.err;
  EXPECT_EQ(j["environment"]["device"], "cpu");
  EXPECT_FALSE(j["environment"]["torch_version"].get<std::string>().empty());
  const auto& timing = j["timing"];
  EXPECT_EQ(timing["clock"], "steady_clock");
  EXPECT_EQ(timing["warmup_steps"], 5);
  EXPECT_GE(timing["measured_steps"].get<int>(), 20);
  EXPECT_TRUE(timing["stable"].is_boolean());
  EXPECT_TRUE(timing["instrumentation_overhead_pct"].is_number());
  const auto& t = timing["t_batch_s"];
  EXPECT_GT(t["mean"].get<double>(), 0);
  EXPECT_LE(t["min"].get<double>(), t["median"].get<double>());
  EXPECT_LE(t["median"].get<double>(), t["max"].get<double>());
  EXPECT_LE(t["ci95_low"].get<double>(), t["mean"].get<double>());
  EXPECT_GE(t["ci95_high"].get<double>(), t["mean"].get<double>());
  // The phases of the instrumented pass add up to its step.
  double phase_sum = 0;
  for (const char* phase : {"data", "forward", "backward", "optimizer"}) {
    ASSERT_TRUE(timing["phases"].contains(phase)) << phase;
    EXPECT_GT(timing["phases"][phase]["mean"].get<double>(), 0) << phase;
    phase_sum += timing["phases"][phase]["mean"].get<double>();
  }
  EXPECT_NEAR(phase_sum, timing["instrumented_step_s"]["mean"].get<double>(),
              1e-9 * timing["instrumented_step_s"]["mean"].get<double>() + 1e-12);
  EXPECT_EQ(j["epoch"]["batches"], 313);
  EXPECT_NEAR(j["epoch"]["seconds"].get<double>(), 313 * t["mean"].get<double>(), 1e-12);
  EXPECT_TRUE(j["epoch"]["validated"].is_null());
  EXPECT_NEAR(j["cost"]["per_epoch"].get<double>(),
              j["epoch"]["seconds"].get<double>() / 3600 * 2.49, 1e-15);
  EXPECT_LE(j["cost"]["per_epoch_ci95"][0].get<double>(), j["cost"]["per_epoch"].get<double>());
  EXPECT_EQ(j["params"]["total"], 101);
  EXPECT_GT(j["throughput"]["samples_per_s_per_device"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(j["flops"]["per_step"].get<double>(), 6.0 * 100 * 32);
  EXPECT_GT(j["flops"]["achieved_tflops"].get<double>(), 0);
  EXPECT_TRUE(j["flops"]["mfu"].is_null()); // a CPU has no peak in the GPU table
  EXPECT_TRUE(j["memory"]["peak_allocated_bytes"].is_null());
  EXPECT_GT(j["memory"]["estimate_bytes"].get<double>(), 0);
}

TEST_F(RunTest, ValidateEpochReportsPredictedAndActual) {
  const auto j =
      json_of(run_cli("run " + default_config + quick + " --validate-epoch --format json"));
  const auto& validated = j["epoch"]["validated"];
  ASSERT_TRUE(validated.is_object());
  EXPECT_EQ(validated["steps"], 313);
  const double actual = validated["actual_seconds"].get<double>();
  EXPECT_GT(actual, 0);
  EXPECT_TRUE(validated["error_pct"].is_number());
  // One real epoch's interval: around the prediction, wider than the epoch CI of the mean.
  const auto& pi = validated["pi95_seconds"];
  ASSERT_TRUE(pi.is_array()) << validated.dump();
  const double predicted = validated["predicted_seconds"].get<double>();
  EXPECT_LT(pi[0].get<double>(), predicted);
  EXPECT_GT(pi[1].get<double>(), predicted);
  EXPECT_GT(pi[1].get<double>() - predicted,
            j["epoch"]["seconds_ci95"][1].get<double>() - j["epoch"]["seconds"].get<double>());
  // Whole real epochs interleaved with the timed windows, level with them to within one epoch.
  const auto& epochs = validated["actual_epoch_s"];
  const auto count = validated["epochs"].get<std::int64_t>();
  EXPECT_EQ(epochs["count"], count);
  EXPECT_DOUBLE_EQ(epochs["mean"].get<double>(), actual);
  const double total_s = actual * static_cast<double>(count);
  const double timed_pass_s = j["timing"]["measure_wall_s"].get<double>();
  EXPECT_LE(std::abs(total_s - timed_pass_s), epochs["max"].get<double>() * (1 + 1e-12));
  const auto inside = validated["epochs_within_pi95"].get<std::int64_t>();
  EXPECT_GE(inside, 0);
  EXPECT_LE(inside, count);
  if (pi[0].get<double>() <= epochs["min"].get<double>() &&
      epochs["max"].get<double>() <= pi[1].get<double>()) {
    EXPECT_EQ(inside, count);
  }
}

TEST_F(RunTest, UnreachableTargetIsUnstableButSucceeds) {
  const auto output =
      run_cli("run " + default_config +
              " --set device=cpu --set timing.warmup_steps=0 --set timing.min_steps=5"
              " --set timing.max_steps=8 --set timing.target_ci_pct=0.000001 --format json");
  const auto j = json_of(output);
  EXPECT_FALSE(j["timing"]["stable"].get<bool>());
  EXPECT_EQ(j["timing"]["measured_steps"], 8);
  EXPECT_NE(j["timing"]["stop_reason"].get<std::string>().find("max_steps (8)"), std::string::npos);
  EXPECT_NE(output.err.find("unstable"), std::string::npos) << output.err;
  EXPECT_FALSE(j["notes"].empty());
}

TEST_F(RunTest, OutputFileHoldsTheReportAndStdoutStaysEmpty) {
  const ScratchDir dir;
  const auto output =
      run_cli("run " + default_config + quick + " --format md --output " + (dir / "r.md").string());
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_TRUE(output.out.empty());
  EXPECT_NE(slurp(dir / "r.md").find("### Phases"), std::string::npos);
}

TEST_F(RunTest, MoreBilledGpusThanMeasuredIsFlaggedAsAnAssumption) {
  const ScratchDir dir;
  const std::string db = (dir / "history.sqlite").string();
  const auto j = json_of(run_cli("run " + default_config + quick +
                                 " --set pricing.gpus=4 --set parallel.scaling_efficiency=0.9"
                                 " --format json --history " +
                                 db));
  EXPECT_TRUE(j["epoch"]["scaled_by_assumption"].get<bool>());
  EXPECT_EQ(j["epoch"]["batches"], 79);
  const auto& measured = j["timing"]["t_batch_s"];
  EXPECT_NEAR(j["epoch"]["t_batch_s"].get<double>(), measured["mean"].get<double>() / 0.9, 1e-15);
  // The history records the job's step with the job step's interval, both scaled.
  const auto listed = json_of(run_cli("history list --format json --history " + db));
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  const auto& ci95 = listed[0]["t_batch_ci95"];
  EXPECT_DOUBLE_EQ(listed[0]["t_batch_s"].get<double>(), j["epoch"]["t_batch_s"].get<double>());
  EXPECT_NEAR(ci95[0].get<double>(), measured["ci95_low"].get<double>() / 0.9, 1e-15);
  EXPECT_NEAR(ci95[1].get<double>(), measured["ci95_high"].get<double>() / 0.9, 1e-15);
  // A row recorded by an earlier build holds the unscaled interval in its columns: it is read
  // from the stored result instead.
  ASSERT_EQ(std::system(("python3 -c \"import sqlite3; c = sqlite3.connect('" + db +
                         "'); c.execute('update runs set t_batch_ci95_low = 1e-9, "
                         "t_batch_ci95_high = 2e-9'); c.commit()\"")
                            .c_str()),
            0);
  const auto reread = json_of(run_cli("history list --format json --history " + db));
  EXPECT_EQ(reread[0]["t_batch_ci95"], ci95);
  // So does an earlier build's description of the workload: today's words are read.
  ASSERT_EQ(std::system(("python3 -c \"import sqlite3; c = sqlite3.connect('" + db +
                         "'); c.execute(\\\"update runs set workload_description = 'mlp, fp32, "
                         "adam'\\\"); c.commit()\"")
                            .c_str()),
            0);
  EXPECT_EQ(
      json_of(run_cli("history list --format json --history " + db))[0]["workload_description"],
      "mlp 100→1 (mse), fp32, adam");
}

TEST_F(RunTest, Tf32OnTheCpuSaysItRanInFp32) {
  const auto j = json_of(run_cli("run " + default_config + quick +
                                 " --set device=cpu --set precision=tf32 --format json"));
  const auto& notes = j["notes"];
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const nlohmann::json& note) {
    return note.get<std::string>().find("on cpu the step ran in fp32") != std::string::npos;
  })) << notes.dump();
}

TEST_F(RunTest, OutOfMemoryExitsThreeNamingTheSettings) {
  const ScratchDir dir;
  // 10^6 × 10^6 fp32 weights: 4 TB, refused by the allocator at once.
  const auto output = run_cli("run " + default_config +
                              " --set device=cpu --set model.input_dim=1000000"
                              " --set model.hidden=[1000000] --output " +
                              (dir / "r.json").string());
  EXPECT_EQ(output.exit_code, 3) << output.err;
  EXPECT_NE(output.err.find("model mlp, batch_size 32, precision fp32"), std::string::npos)
      << output.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.json"));
}

TEST_F(RunTest, WhatCannotFitIsRefusedUpFrontWithTheEstimate) {
  // Weights alone need more than any machine of this kind has in RAM, so this never allocates.
  const auto output = run_cli("run " + source_path("configs/deepseek-7b-lora-a100x4.yaml") +
                              " --set device=cpu --set precision=fp32 --set model.layers=300");
  EXPECT_EQ(output.exit_code, 3) << output.err;
  EXPECT_NE(output.err.find("cannot fit model decoder, batch_size 2, precision fp32: the memory "
                            "estimate is"),
            std::string::npos)
      << output.err;
}

TEST_F(RunTest, TinyDecoderWithLoraRunsAndReportsTokens) {
  const auto j =
      json_of(run_cli("run " + source_path("configs/decoder-tiny-lora.yaml") +
                      " --set device=cpu --set timing.min_seconds=0.1 --set timing.max_seconds=2"
                      " --set timing.target_ci_pct=5 --format json"));
  EXPECT_EQ(j["params"]["trainable"], 3584);
  EXPECT_GT(j["throughput"]["tokens_per_s_per_device"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(j["flops"]["per_token"].get<double>(), 717824.0);
  EXPECT_EQ(j["epoch"]["batches"], 512);
}

TEST_F(RunTest, FindMaxBatchNeedsACudaDevice) {
  if (std::system("nvidia-smi -L >/dev/null 2>&1") == 0) GTEST_SKIP() << "a GPU is present";
  const auto output = run_cli("run " + default_config + " --set device=cpu --find-max-batch");
  EXPECT_TRUE(refused(output, "--find-max-batch needs a CUDA device"));
}

TEST_F(RunTest, PricedGpuOtherThanTheMeasuredOneIsAWarning) {
  const auto output =
      run_cli("run " + default_config + quick + " --set pricing.gpu=A100-SXM4-80GB --format json");
  const auto j = json_of(output);
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_NE(j["warnings"][0].get<std::string>().find(
                "MISMATCH: priced for A100-SXM4-80GB but measured on"),
            std::string::npos);
  EXPECT_NE(output.err.find("MISMATCH"), std::string::npos); // logged as well
  EXPECT_TRUE(
      json_of(run_cli("run " + default_config + quick + " --format json"))["warnings"].empty());
}

TEST_F(RunTest, CompareTakesMeasuredResults) {
  const ScratchDir dir;
  const std::string a = (dir / "a.json").string(), b = (dir / "b.json").string();
  ASSERT_EQ(run_cli("run " + default_config + quick + " --format json --output " + a).exit_code, 0);
  ASSERT_EQ(
      run_cli("run " + default_config + quick + " --set pricing.gpus=4 --format json --output " + b)
          .exit_code,
      0);
  const auto j = nlohmann::json::parse(run_cli("compare " + a + " " + b + " --format json").out);
  EXPECT_TRUE(j["rows"][0]["measured"].get<bool>());
  EXPECT_EQ(j["rows"][1]["gpus"], 4);
  EXPECT_TRUE(j["rows"][0]["t_batch_ci95_pct"].is_number());
}

#if EPOCHCOST_HAS_HISTORY
TEST_F(RunTest, RunRecordsItsResultInTheHistory) {
  const ScratchDir dir;
  const auto output =
      run_cli("run " + default_config + quick + " --history " + (dir / "h.sqlite").string());
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_NE(output.err.find("recorded as run #1"), std::string::npos) << output.err;
  const auto shown = run_cli("history show 1 --history " + (dir / "h.sqlite").string());
  EXPECT_EQ(nlohmann::json::parse(shown.out)["schema"], "epochcost.result/1");
}
#endif

TEST_F(RunTest, GoogleBenchmarkJsonForDashboards) {
  const auto j = json_of(run_cli("run " + default_config + quick + " --format gbench-json"));
  ASSERT_TRUE(j["benchmarks"].is_array());
  const auto& first = j["benchmarks"][0];
  EXPECT_EQ(first["name"], "linear-regression/t_batch");
  EXPECT_EQ(first["run_type"], "iteration");
  EXPECT_GT(first["real_time"].get<double>(), 0);
  EXPECT_TRUE(first["time_unit"] == "us" || first["time_unit"] == "ms");
  EXPECT_EQ(j["benchmarks"][1]["aggregate_name"], "mean");
  EXPECT_EQ(j["context"]["device"], "cpu");
  EXPECT_EQ(j["context"]["currency"], "USD"); // of the cost_per_epoch counter
  // 4 series (step and 4 phases = 5) × (1 iteration + 3 aggregates).
  EXPECT_EQ(j["benchmarks"].size(), 20u);
  const auto refusal =
      run_cli("estimate " + default_config + " --t-batch 0.1 --format gbench-json");
  EXPECT_TRUE(refused(refusal, "--format: gbench-json is for run only"));
  const auto search = run_cli("run " + default_config + " --find-max-batch --format gbench-json");
  EXPECT_TRUE(refused(search, "--find-max-batch reports batch sizes"));
  const auto budget = run_cli("run " + default_config + " --budget 5 --format gbench-json");
  EXPECT_TRUE(refused(budget, "--budget: Google Benchmark's format has no place for it"));
}

TEST(BadInput, FindMaxBatchRefusesTheFlagsOfAMeasurement) {
  const ScratchDir dir;
  const std::string history = (dir / "never.sqlite").string();
  for (const std::string& flag :
       {std::string("--budget 5"), std::string("--validate-epoch"), "--history " + history}) {
    const auto output = run_cli("run " + default_config + " --find-max-batch " + flag);
    EXPECT_EQ(output.exit_code, 2) << flag;
    const std::string name = flag.substr(0, flag.find(' '));
    EXPECT_NE(output.err.find(name + ": --find-max-batch reports the largest batch that fits"),
              std::string::npos)
        << output.err;
  }
  EXPECT_FALSE(std::filesystem::exists(history));
}

TEST_F(RunTest, InterruptExits130WithoutAReport) {
  const ScratchDir dir;
  const std::string command =
      std::string("( ") + EPOCHCOST_BINARY + " run " + default_config +
      " --set device=cpu --set timing.max_seconds=60 --set timing.target_ci_pct=0.0001"
      " --output " +
      (dir / "r.json").string() + " 2>" + (dir / "err").string() +
      " & pid=$!; sleep 1.5; "
      // Twice at once, as `timeout` signals the process and then its group: one interruption.
      "kill -INT $pid; kill -INT $pid; wait $pid; exit $? )";
  const int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_NE(slurp(dir / "err").find("interrupted (SIGINT)"), std::string::npos)
      << slurp(dir / "err");
  EXPECT_FALSE(std::filesystem::exists(dir / "r.json"));
}

// A result file with one figure set, for the damaged-input tests below.
std::string damaged_result(const ScratchDir& dir, const std::string& fixture,
                           const std::string& pointer, const nlohmann::json& value) {
  auto result = nlohmann::json::parse(slurp(source_path("tests/fixtures/results/" + fixture)));
  result[nlohmann::json::json_pointer(pointer)] = value;
  const std::string name = "damaged-" + std::to_string(std::hash<std::string>{}(pointer)) + ".json";
  dir.write(name, result.dump());
  return (dir / name).string();
}

TEST(ResultFiles, HandEditedFiguresAreBadInputNamingTheFileAndTheKey) {
  const ScratchDir dir;
  const std::string v100 = source_path("tests/fixtures/results/tiny-lora-fp16-v100x4.json");
  const auto cheap = damaged_result(dir, "tiny-lora-fp16-a100x4.json", "/cost/per_epoch", -3);
  for (const std::string extra : {"", " --pricing ciuic", " --currency USD --rate CNY=0.14"}) {
    const auto output = run_cli("compare " + cheap + " " + v100 + extra);
    EXPECT_TRUE(refused(output, cheap + ": cost.per_epoch: must be a finite number >= 0, got -3"))
        << extra;
  }
  const auto typed = damaged_result(dir, "tiny-lora-fp16-a100x4.json", "/config/optimizer/name", 3);
  const auto internal = run_cli("compare " + typed + " " + v100);
  EXPECT_TRUE(refused(internal, typed + ": config.optimizer.name is not a string"));
  EXPECT_EQ(internal.err.find("json.exception"), std::string::npos) << internal.err;
  const auto negative = damaged_result(dir, "a100-bf16-split.json", "/epoch/batches", -5);
  const auto projected = run_cli("project " + negative + " --to H100-SXM5-80GB");
  EXPECT_TRUE(refused(projected, negative + ": epoch.batches: must be an integer >= 1, got -5"));
}

#if EPOCHCOST_HAS_HISTORY
TEST_F(History, ReadingAMissingHistoryIsBadInputAndCreatesNothing) {
  for (const std::string command : {"list", "trend", "check", "show 1"}) {
    const auto output = run_cli("history " + command + " --history " + db());
    EXPECT_TRUE(refused(output, "no such history file: " + db())) << command;
    EXPECT_FALSE(std::filesystem::exists(db())) << command;
  }
}

TEST_F(History, ImportRefusesDamagedResultsAndCreatesNoHistory) {
  auto result = nlohmann::json::parse(slurp(this->result("a", 0.1)));
  result["environment"]["timestamp"] = "yesterday";
  dir.write("yesterday.json", result.dump());
  const auto output =
      run_cli("history import " + (dir / "yesterday.json").string() + " --history " + db());
  EXPECT_TRUE(refused(output, "environment.timestamp: must be an RFC 3339"));
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(History, CostsInAnotherCurrencyAreNoRegression) {
  std::string files;
  for (const double t : {0.100, 0.101, 0.099})
    files += " " + result(std::to_string(t), t);
  const auto yen = (dir / "yen.json").string();
  ASSERT_EQ(run_cli("estimate " + default_config +
                    " --t-batch 0.1 --set pricing.currency=JPY --set pricing.amount=380"
                    " --format json --output " +
                    yen)
                .exit_code,
            0);
  ASSERT_EQ(run_cli("history import" + files + " " + yen + " --history " + db()).exit_code, 0);
  const auto checked = run_cli("history check --history " + db());
  EXPECT_EQ(checked.exit_code, 0) << checked.out;
  EXPECT_NE(checked.out.find("priced in JPY, earlier runs in USD"), std::string::npos)
      << checked.out;
}
#endif

TEST(Cli, AnUnknownCommandIsNamed) {
  const auto output = run_cli("--log-level warn bogus");
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_NE(output.err.find("unknown command 'bogus'; the commands are run, estimate"),
            std::string::npos)
      << output.err;
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"estimate " + default_config + " --t-batch 1 --set epochs=2 seed=3",
            "not expected: seed=3 (--set, --rate, --to and --series-of take one value each"},
           {"", "a command is required: run, estimate"},
           {"--bogus", "unknown option '--bogus'; the commands are run, estimate"},
           {"history", "history: a command is required: import, list"},
           {"history bogus", "history: unknown command 'bogus'; the commands are import, list"},
           {"history --bogus", "history: unknown option '--bogus'; the commands are import"}}) {
    const auto missing = run_cli(args);
    EXPECT_TRUE(refused(missing, message)) << args;
  }
  // The help pointed to is the one of the command that was being read.
  EXPECT_NE(run_cli("history check --window 0").err.find("Run 'epochcost history check --help'"),
            std::string::npos);
}

TEST(Cli, EmptyAndNonFiniteFlagValuesAreRefused) {
  const std::string estimate = "estimate " + default_config + " --t-batch 0.1";
  for (const auto& [flags, message] : std::vector<std::pair<std::string, std::string>>{
           {" --output ''", "--output: must not be empty"},
           {" --budget ''", "--budget: must be a finite number > 0, got ''"},
           {" --budget abc", "--budget: must be a finite number > 0, got 'abc'"},
           {" --budget 0x10", "--budget: must be a finite number > 0, got '0x10'"}}) {
    const auto output = run_cli(estimate + flags);
    EXPECT_TRUE(refused(output, message)) << flags;
    EXPECT_TRUE(output.out.empty()) << flags;
  }
  const auto nan = run_cli("history check --history /nonexistent.sqlite --threshold nan");
  EXPECT_TRUE(refused(nan, "--threshold: must be a finite number ≥ 0, got 'nan'"));
  const auto window = run_cli("history check --history /nonexistent.sqlite --window 1e30");
  EXPECT_TRUE(refused(window, "--window: must be a whole number ≥ 1 and ≤ 10^15"));
  // Refused before the history is looked for.
  const auto since = run_cli("history check --history /nonexistent.sqlite --since yesterday");
  EXPECT_TRUE(refused(since, "--since: must be an RFC 3339 time (2026-12-04T01:00:00Z), got "
                             "'yesterday'"));
  const auto future =
      run_cli("history check --history /nonexistent.sqlite --since 2999-01-01T00:00:00Z");
  EXPECT_TRUE(refused(future, "--since: '2999-01-01T00:00:00Z' is in the future"));
}

TEST(Cli, ArgumentsMustBeUtf8ForTheJsonReports) {
  const auto output = run_cli("estimate \"$(printf 'job\\377.yaml')\" --t-batch 0.1");
  EXPECT_TRUE(refused(output, "argument 2 is not valid UTF-8 text"));
}

TEST(Estimate, ACostBeyondADoubleIsBadInputAndWritesNothing) {
  const ScratchDir dir;
  const auto file = (dir.path() / "r.json").string();
  const auto output =
      run_cli("estimate " + default_config + " --t-batch 1e308 --format json --output " + file);
  EXPECT_TRUE(refused(output, "the cost of this job is beyond a double: the epoch's seconds"));
  EXPECT_FALSE(std::filesystem::exists(file));
  // The figure that overflows names the inputs it comes from.
  for (const auto& [set, named] : std::vector<std::pair<std::string, std::string>>{
           {"'pricing.spot={interruptions_per_hour: 1e300, restart_s: 1e300, "
            "checkpoint_interval_s: 0}'",
            "cost.spot_overhead_per_epoch (pricing.spot)"},
           {"extra_costs.ops=1e308 --set epochs=10", "cost.total (epochs × cost.per_epoch"}}) {
    const auto overflow = run_cli("estimate " + default_config + " --t-batch 0.1 --set " + set);
    EXPECT_TRUE(refused(overflow, named)) << set;
  }
  // Re-priced after the fact, the result and the pricing file are named with it.
  dir.write("spot.yaml", "pricing: {currency: USD, amount: 2, gpus: 1, spot: "
                         "{interruptions_per_hour: 1e300, restart_s: 1e300, "
                         "checkpoint_interval_s: 0}}\n");
  const std::string fixture = source_path("tests/fixtures/results/a100-bf16-split.json");
  for (const std::string& command :
       {"compare " + fixture, "project " + fixture + " --to H100-SXM5-80GB"}) {
    const auto repriced = run_cli(command + " --pricing " + (dir / "spot.yaml").string());
    EXPECT_TRUE(refused(repriced, "priced with " + (dir / "spot.yaml").string() +
                                      ": the cost of this job is beyond a double: "
                                      "cost.spot_overhead_per_epoch (pricing.spot)"))
        << command;
  }
  // A tiny price buys more epochs than 64 bits count: reported as a number, never wrapped.
  const auto j =
      json_of(run_cli("estimate " + default_config + " --t-batch 0.1 --budget 1e18 --format json"));
  EXPECT_GT(j["budget"]["full_epochs"].get<double>(), 9.2e18);
}

TEST(Info, AGpuNameSeveralRowsShareIsRefused) {
  const auto output = run_cli("info " + default_config + " --gpu H100");
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_NE(output.err.find("--gpu: 'H100' could be H100-SXM5-80GB, H100-PCIe-80GB; name one"),
            std::string::npos)
      << output.err;
  const auto priced =
      run_cli("estimate " + default_config + " --t-batch 0.1 --set pricing.gpu=A100");
  EXPECT_TRUE(refused(priced, "pricing.gpu: 'A100' could be"));
}

TEST(ComparePlot, TheReportAndThePlotMustNotOverwriteEachOther) {
  const ScratchDir dir;
  const auto output = run_cli(
      "compare " + source_path("tests/fixtures/results/tiny-lora-fp16-rtx3090.json") + " --plot " +
      (dir.path() / "c.svg").string() + " --output " + (dir.path() / "c.dat").string());
  EXPECT_TRUE(refused(output, "is also written by --plot"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // The same files spelled two ways, relative to a working directory where neither exists yet.
  const auto spelled =
      run_cli("compare " + source_path("tests/fixtures/results/tiny-lora-fp16-rtx3090.json") +
                  " --plot c.svg --output ./c.svg",
              "cd " + dir.path().string() + " &&");
  EXPECT_TRUE(refused(spelled, "is also written by --plot"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Cli, NoOutputReplacesAFileTheCommandReads) {
  const ScratchDir dir;
  dir.write("c.yaml", slurp(default_config));
  const std::string result = (dir / "r.json").string();
  ASSERT_EQ(
      run_cli("estimate " + default_config + " --t-batch 0.1 --format json --output " + result)
          .exit_code,
      0);
  const std::string config_text = slurp(dir / "c.yaml"), result_text = slurp(result);
  std::filesystem::create_hard_link(result, dir / "linked.json");
  std::filesystem::copy_file(result, dir / "plot.dat"); // the name of a plot's data file
  dir.write("usd.yaml", "pricing: {currency: USD, amount: 1}\n");
  // Files a config reads without the command line naming them: its price catalog, its model's
  // Hugging Face config.json, and the catalog a --pricing file names.
  dir.write("prices.yaml", slurp(source_path("configs/pricing/ciuic.yaml")));
  dir.write("cataloged.yaml", "name: c\ndata: {samples: 100, batch_size: 10}\n"
                              "pricing: {catalog: prices.yaml, instance: A100x4}\n");
  dir.write("llama.json", R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 176,
      "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
      "vocab_size": 512, "max_position_embeddings": 256})");
  dir.write("hf.yaml", "name: hf\nmodel: {name: decoder, hf_config: llama.json}\n"
                       "data: {samples: 100, batch_size: 2, seq_len: 64}\n"
                       "optimizer: {name: adamw}\npricing: {currency: USD, amount: 1}\n");
  dir.write("repricing.yaml", "pricing: {catalog: prices.yaml, instance: A100x4}\n");
  const std::string read_files_before = slurp(dir / "prices.yaml") + slurp(dir / "llama.json");
  for (const auto& [command, message] : std::vector<std::pair<std::string, std::string>>{
           {"estimate c.yaml --t-batch 0.1 --output ./c.yaml",
            "is the config 'c.yaml', which this command reads"},
           {"estimate cataloged.yaml --t-batch 0.1 --output prices.yaml",
            "--output: 'prices.yaml' is the price catalog"},
           {"info hf.yaml --output ./llama.json", "is the hf_config file"},
           {"compare r.json --pricing repricing.yaml --output prices.yaml",
            "'prices.yaml' is the price catalog"},
           {"compare r.json --output r.json", "is the result 'r.json'"},
           {"compare r.json --output linked.json", "is the result 'r.json'"},
           {"compare plot.dat --plot plot.svg", "--plot: 'plot.dat' is the result 'plot.dat'"},
           {"compare r.json --pricing usd.yaml --output usd.yaml",
            "is the pricing file 'usd.yaml'"},
           {"compare r.json --output x.md", ""},
           {"run c.yaml --history out.json --output out.json", "is the --history file"}}) {
    const auto output = run_cli(command, "cd " + dir.path().string() + " &&");
    if (message.empty()) { // the control: a report beside its inputs
      EXPECT_EQ(output.exit_code, 0) << command << ": " << output.err;
      continue;
    }
    EXPECT_TRUE(refused(output, message)) << command;
  }
  EXPECT_EQ(slurp(dir / "c.yaml"), config_text);
  EXPECT_EQ(slurp(result), result_text);
  EXPECT_EQ(slurp(dir / "prices.yaml") + slurp(dir / "llama.json"), read_files_before);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.json"));
}

#if EPOCHCOST_HAS_HISTORY
TEST_F(RunTest, AHistoryThatCannotBeWrittenIsRefusedBeforeMeasuring) {
  const ScratchDir dir;
  const auto not_history = dir.path() / "notes.txt";
  std::ofstream(not_history) << "not a database\n";
  const auto output =
      run_cli("run " + default_config + quick + " --history " + not_history.string());
  EXPECT_EQ(output.exit_code, 2) << output.err;
  EXPECT_TRUE(output.out.empty()) << "a report was printed before the history was checked";
  const auto nowhere =
      run_cli("run " + default_config + quick + " --history /nonexistent-dir/h.sqlite");
  EXPECT_EQ(nowhere.exit_code, 2) << nowhere.err;
  EXPECT_TRUE(nowhere.out.empty());
}

TEST_F(RunTest, AnEmptyFileBecomesAHistoryAsImportMakesOne) {
  const ScratchDir dir;
  const auto empty = dir.path() / "made-by-mktemp";
  std::ofstream{empty};
  const auto output = run_cli("run " + default_config + quick + " --history " + empty.string());
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(run_cli("history list --history " + empty.string()).exit_code, 0);
}
#endif

} // namespace
} // namespace epochcost::testing
