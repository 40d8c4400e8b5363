#include "config/loader.hpp"
#include "util/errors.hpp"
#include "util/utf8.hpp"

#include <gtest/gtest.h>
#include <string>

namespace epochcost::config {
namespace {

const std::string valid_config = R"(name: linear-regression
model: {name: mlp, input_dim: 100, hidden: [], output_dim: 1, loss: mse}
data: {samples: 10000, batch_size: 32, drop_last: false}
optimizer: {name: adam, lr: 1.0e-3}
precision: fp32
device: auto
timing: {warmup_steps: 10, min_steps: 50, max_steps: 100000, max_seconds: 30, target_ci_pct: 1.0}
pricing: {currency: USD, unit: gpu_hour, amount: 2.49, gpus: 1}
parallel: {scaling_efficiency: 1.0}
extra_costs: {storage_transfer: 0, ops: 0}
epochs: 1
)";

Config parse(const std::string& text, const std::vector<std::string>& sets = {},
             Purpose purpose = Purpose::run) {
  return parse_config(text, "job.yaml", sets, purpose);
}

// The message of the InputError that parsing raises ("" when it parses).
std::string error_of(const std::string& text, const std::vector<std::string>& sets = {},
                     Purpose purpose = Purpose::run) {
  try {
    (void)parse(text, sets, purpose);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Config, ParsesTheDocumentedSchema) {
  const Config c = parse(valid_config);
  EXPECT_EQ(c.name, "linear-regression");
  ASSERT_TRUE(c.model.has_value());
  const auto& mlp = std::get<MlpSpec>(*c.model);
  EXPECT_EQ(mlp.input_dim, 100);
  EXPECT_TRUE(mlp.hidden.empty());
  EXPECT_EQ(mlp.output_dim, 1);
  EXPECT_EQ(c.data.samples, 10000);
  EXPECT_EQ(c.data.batch_size, 32);
  EXPECT_EQ(c.optimizer->name, OptimizerKind::adam);
  EXPECT_DOUBLE_EQ(c.optimizer->lr, 1e-3);
  EXPECT_EQ(c.device.kind, DeviceSpec::Kind::automatic);
  EXPECT_EQ(c.timing.min_steps, 50);
  EXPECT_EQ(c.pricing.currency, "USD");
  EXPECT_DOUBLE_EQ(c.pricing.amount, 2.49);
  EXPECT_EQ(c.epochs, 1);
}

TEST(Config, EstimateNeedsOnlyDataAndPricing) {
  const Config c = parse("data: {samples: 100, batch_size: 8}\n"
                         "pricing: {currency: CNY, amount: 20, gpus: 4}\n",
                         {}, Purpose::estimate);
  EXPECT_FALSE(c.model.has_value());
  EXPECT_EQ(c.pricing.gpus, 4);
  EXPECT_EQ(c.epochs, 1);
  const std::string run_error = error_of("data: {samples: 100, batch_size: 8}\n"
                                         "pricing: {currency: CNY, amount: 20}\n");
  EXPECT_NE(run_error.find("model: required key is missing"), std::string::npos) << run_error;
  EXPECT_NE(run_error.find("optimizer: required key is missing"), std::string::npos);
}

TEST(Config, ZeroBatchSizeNamesKeyLineAndValue) {
  const std::string e = error_of(replace(valid_config, "batch_size: 32", "batch_size: 0"));
  EXPECT_EQ(e, "job.yaml:3: data.batch_size: must be ≥ 1, got 0");
}

TEST(Config, CountsMustBeIntegers) {
  EXPECT_NE(error_of(replace(valid_config, "batch_size: 32", "batch_size: 32.5"))
                .find("data.batch_size: must be an integer, got 32.5"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "samples: 10000", "samples: 1.0e+30"))
                .find("data.samples: must be ≤ 9007199254740992 (2^53), got 1.0e+30"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "samples: 10000", "samples: \"10000\""))
                .find("data.samples: must be an integer, got '10000'"),
            std::string::npos);
  // An integral value written in exponent form is a count.
  EXPECT_EQ(parse(replace(valid_config, "samples: 10000", "samples: 1e6")).data.samples, 1000000);
  // Digits are read exactly: through a double, 2^53 + 1 would become 2^53 and pass.
  EXPECT_EQ(
      parse(replace(valid_config, "samples: 10000", "samples: 9007199254740992")).data.samples,
      9007199254740992);
  EXPECT_NE(error_of(replace(valid_config, "samples: 10000", "samples: 9007199254740993"))
                .find("data.samples: must be ≤ 9007199254740992 (2^53), got 9007199254740993"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "samples: 10000", "samples: 99999999999999999999999"))
                .find("data.samples: must be ≤"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "samples: 10000", "samples: !!str 10000"))
                .find("data.samples: must be an integer, got '10000'"),
            std::string::npos);
}

TEST(Config, TextMustBeUtf8ForTheJsonReports) {
  EXPECT_NE(error_of(replace(valid_config, "name: linear-regression", "name: \"ab\xff\""))
                .find("job.yaml:1: name: is not valid UTF-8 text"),
            std::string::npos);
  EXPECT_TRUE(is_valid_utf8("Kosten 单价 €"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));         // cut short
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
}

TEST(Config, AStepOfMoreThan2To53SamplesIsRefusedBeforeItOverflows) {
  EXPECT_NE(error_of(valid_config, {"data.batch_size=9007199254740992", "pricing.gpus=2048"})
                .find("data.batch_size × pricing.gpus × train.accumulation_steps = 1.84467e+19 "
                      "samples per step, more than 2^53"),
            std::string::npos);
}

TEST(Config, AListElementFromAnOverrideIsBlamedOnTheOverride) {
  EXPECT_NE(error_of(valid_config, {"model.hidden=[0]"})
                .find("--set model.hidden=[0]: model.hidden[0]: must be ≥ 1, got 0"),
            std::string::npos);
}

TEST(Config, HyperparametersLibTorchWouldRefuseAreRefusedHere) {
  // Beyond a float's range, and so small that a float would hold 0.
  for (const std::string lr : {"1e308", "1e-50"}) {
    EXPECT_NE(error_of(valid_config, {"optimizer.lr=" + lr})
                  .find("optimizer.lr: must be a number > 0 that a float holds (1.2e-38 to "
                        "3.4e38), got " +
                        lr),
              std::string::npos)
        << lr;
  }
  EXPECT_NE(error_of(valid_config, {"optimizer.beta2=1"})
                .find("optimizer.beta2: must be ≥ 0 and < 1, got 1"),
            std::string::npos);
  EXPECT_NE(error_of(valid_config, {"train.grad_clip=1e39"}).find("train.grad_clip: must be"),
            std::string::npos);
  EXPECT_NE(error_of(valid_config, {"model.hidden=[16777217]"})
                .find("model.hidden[0]: must be ≤ 16777216"),
            std::string::npos);
}

TEST(Config, PricesMustBeFiniteAndNonNegative) {
  EXPECT_NE(error_of(replace(valid_config, "amount: 2.49", "amount: -1"))
                .find("job.yaml:8: pricing.amount: must be ≥ 0, got -1"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "amount: 2.49", "amount: .nan"))
                .find("pricing.amount: must be a finite number"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "amount: 2.49", "amount: .inf"))
                .find("pricing.amount: must be a finite number"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "storage_transfer: 0", "storage_transfer: -3"))
                .find("extra_costs.storage_transfer: must be ≥ 0"),
            std::string::npos);
}

TEST(Config, UnknownKeysSuggestTheNearestAndComeFirst) {
  // batch_sise is unknown and therefore batch_size is missing: the unknown key is listed first.
  const std::string e = error_of(replace(valid_config, "batch_size: 32", "batch_sise: 32"));
  const auto unknown =
      e.find("job.yaml:3: data.batch_sise: unknown key (did you mean 'batch_size'?)");
  const auto missing = e.find("data.batch_size: required key is missing");
  ASSERT_NE(unknown, std::string::npos) << e;
  ASSERT_NE(missing, std::string::npos) << e;
  EXPECT_LT(unknown, missing);
  EXPECT_NE(
      error_of(valid_config + "epoch: 3\n").find("epoch: unknown key (did you mean 'epochs'?)"),
      std::string::npos);
}

TEST(Config, EnumsListTheirValues) {
  EXPECT_NE(error_of(replace(valid_config, "unit: gpu_hour", "unit: gpu_hours"))
                .find("pricing.unit: must be one of gpu_hour, instance_hour; got 'gpu_hours' "
                      "(did you mean 'gpu_hour'?)"),
            std::string::npos);
  EXPECT_NE(
      error_of(replace(valid_config, "name: mlp", "name: mpl"))
          .find("model.name: must be one of mlp, decoder, resnet; got 'mpl' (did you mean 'mlp'?)"),
      std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "precision: fp32", "precision: fp64"))
                .find("precision: must be one of"),
            std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "currency: USD", "currency: usd"))
                .find("pricing.currency: must be a 3-letter upper-case currency code"),
            std::string::npos);
}

TEST(Config, AnotherOptimizersKeysAreExplained) {
  const std::string sgd = replace(valid_config, "optimizer: {name: adam, lr: 1.0e-3}",
                                  "optimizer: {name: sgd, lr: 0.1, momentum: 0.9}");
  const std::string switched = error_of(sgd, {"optimizer.name=adamw"});
  EXPECT_NE(switched.find("optimizer.momentum: applies to sgd, not adamw (optimizer.name)"),
            std::string::npos)
      << switched;
  EXPECT_EQ(switched.find("unknown key"), std::string::npos) << switched;
  const std::string back = error_of(valid_config, {"optimizer.name=sgd", "optimizer.beta1=0.8"});
  EXPECT_NE(back.find("optimizer.beta1: applies to adam and adamw, not sgd"), std::string::npos)
      << back;
  // A misspelt name is the one error: the fallback optimizer judges no key.
  const std::string misspelt = error_of(sgd, {"optimizer.name=sgdd"});
  EXPECT_NE(misspelt.find("optimizer.name: must be one of"), std::string::npos) << misspelt;
  EXPECT_EQ(misspelt.find("momentum"), std::string::npos) << misspelt;
  // Nor is another optimizer's key offered as the spelling of a misspelt one.
  const std::string typo = error_of(valid_config, {"optimizer.momentun=0.9"});
  EXPECT_NE(typo.find("optimizer.momentun: unknown key"), std::string::npos) << typo;
  EXPECT_EQ(typo.find("did you mean 'momentum'"), std::string::npos) << typo;
}

TEST(Config, DeviceSyntax) {
  EXPECT_EQ(parse(replace(valid_config, "device: auto", "device: cuda:1")).device.index, 1);
  EXPECT_EQ(parse(replace(valid_config, "device: auto", "device: cpu")).device.kind,
            DeviceSpec::Kind::cpu);
  EXPECT_NE(
      error_of(replace(valid_config, "device: auto", "device: gpu")).find("job.yaml:6: device:"),
      std::string::npos);
  EXPECT_NE(error_of(replace(valid_config, "device: auto", "device: cuda:x")).find("device:"),
            std::string::npos);
}

TEST(Config, CrossFieldChecksQuoteBothValues) {
  EXPECT_NE(error_of(replace(valid_config, "max_steps: 100000", "max_steps: 40"))
                .find("timing.min_steps (50) must be ≤ timing.max_steps (40)"),
            std::string::npos);
  // Of two bounds in conflict, the one the user wrote is blamed, not the default.
  EXPECT_EQ(error_of(valid_config, {"timing.max_seconds=0.1"}),
            "--set timing.max_seconds=0.1: timing.max_seconds: timing.min_seconds (0.5) must be ≤ "
            "timing.max_seconds (0.1)");
  EXPECT_EQ(error_of(replace(valid_config, "min_steps: 50,", "min_steps: 50, min_seconds: 1,"),
                     {"timing.max_seconds=0.1"}),
            "--set timing.max_seconds=0.1: timing.max_seconds: timing.min_seconds (1) must be ≤ "
            "timing.max_seconds (0.1)");
  EXPECT_NE(error_of(replace(valid_config, "min_steps: 50, max_steps: 100000", "max_steps: 3"))
                .find("job.yaml:7: timing.max_steps: timing.min_steps"),
            std::string::npos);
  const std::string no_step =
      error_of(replace(valid_config, "samples: 10000, batch_size: 32, drop_last: false",
                       "samples: 10, batch_size: 32, drop_last: true"));
  EXPECT_NE(no_step.find("the epoch would have no step"), std::string::npos) << no_step;
}

TEST(Config, InstancePricingNeedsGpusPerInstance) {
  const std::string e = error_of(replace(valid_config, "unit: gpu_hour", "unit: instance_hour"));
  EXPECT_NE(e.find("pricing.gpus_per_instance: required key is missing"), std::string::npos) << e;
  const Config c =
      parse(replace(valid_config, "unit: gpu_hour", "unit: instance_hour, gpus_per_instance: 8"));
  EXPECT_EQ(c.pricing.gpus_per_instance, 8);
  EXPECT_NE(error_of(replace(valid_config, "gpus: 1}", "gpus: 1, gpus_per_instance: 8}"))
                .find("applies only to unit: instance_hour"),
            std::string::npos);
}

TEST(Config, DocumentLevelProblems) {
  EXPECT_NE(error_of("").find("the config is empty"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("must be a mapping"), std::string::npos);
  const std::string syntax = error_of("data: {samples: 10\npricing: [\n");
  EXPECT_NE(syntax.find("job.yaml:"), std::string::npos);
  EXPECT_NE(syntax.find("YAML syntax error"), std::string::npos);
  EXPECT_NE(error_of(valid_config + "epochs: 2\n").find("epochs: duplicate key"),
            std::string::npos);
  EXPECT_NE(error_of(valid_config + "---\nepochs: 2\n")
                .find("job.yaml: holds 2 YAML documents (separated by ---); it must hold one"),
            std::string::npos);
  // A pasted blob is quoted in part, not echoed whole.
  const std::string blob(10000, 'x');
  const std::string long_value =
      error_of(replace(valid_config, "batch_size: 32", "batch_size: " + blob));
  EXPECT_NE(long_value.find("… (10000 characters)"), std::string::npos);
  EXPECT_LT(long_value.size(), 400u);
}

TEST(Config, ListsEveryProblemAtOnce) {
  std::string text = replace(valid_config, "batch_size: 32", "batch_size: 0");
  text = replace(text, "amount: 2.49", "amount: -2");
  const std::string e = error_of(text);
  EXPECT_NE(e.find("2 errors in config job.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("data.batch_size"), std::string::npos);
  EXPECT_NE(e.find("pricing.amount"), std::string::npos);
}

TEST(Config, SetOverridesAndAddsKeys) {
  const Config c = parse(valid_config, {"data.batch_size=64", "model.hidden=[64, 32]",
                                        "timing.max_seconds=2", "seed=7"});
  EXPECT_EQ(c.data.batch_size, 64);
  EXPECT_EQ(std::get<MlpSpec>(*c.model).hidden, (std::vector<std::int64_t>{64, 32}));
  EXPECT_DOUBLE_EQ(c.timing.max_seconds, 2.0);
  EXPECT_EQ(c.seed, 7u);
}

TEST(Config, SetIsValidatedAndBlamedByItsText) {
  EXPECT_EQ(error_of(valid_config, {"data.batch_size=0"}),
            "--set data.batch_size=0: data.batch_size: must be ≥ 1, got 0");
  EXPECT_NE(
      error_of(valid_config, {"data.batch_sise=4"})
          .find(
              "--set data.batch_sise=4: data.batch_sise: unknown key (did you mean 'batch_size'?)"),
      std::string::npos);
  EXPECT_NE(error_of(valid_config, {"data.batch_size"}).find("expected key.path=value"),
            std::string::npos);
  EXPECT_NE(error_of(valid_config, {"precision.x=1"}).find("is not a mapping"), std::string::npos);
  EXPECT_NE(error_of(valid_config, {"data..x=1"}).find("empty key"), std::string::npos);
  EXPECT_EQ(error_of(valid_config, {"data.batch_size=8\n---\n0"}),
            "--set data.batch_size=8\n---\n0: value holds 2 YAML documents (separated by ---); it "
            "must be one value");
}

TEST(Config, ARequiredSectionSetToNullIsReadAsEmpty) {
  EXPECT_EQ(error_of(valid_config, {"pricing=null"}),
            "2 errors in config job.yaml:\n"
            "  --set pricing=null: pricing.currency: required key is missing\n"
            "  --set pricing=null: pricing.amount: required key is missing");
  EXPECT_EQ(error_of(replace(valid_config,
                             "data: {samples: 10000, batch_size: 32, drop_last: false}", "data:"),
                     {}, Purpose::estimate),
            "2 errors in config job.yaml:\n"
            "  job.yaml: data.samples: required key is missing\n"
            "  job.yaml: data.batch_size: required key is missing");
  EXPECT_EQ(error_of(valid_config, {"model=null"}),
            "--set model=null: model.name: required key is missing");
  // Not required for an estimate: a null model is no model.
  EXPECT_FALSE(parse(valid_config, {"model=null"}, Purpose::estimate).model.has_value());
}

TEST(Config, TextWithControlCharactersIsRefused) {
  EXPECT_EQ(error_of(valid_config, {"device=\"cpu\\r\""}),
            "--set device=\"cpu\\r\": device: must not hold control characters; holds U+000D at 4");
  EXPECT_NE(error_of(valid_config, {"name=\"a\\e[31mred\""}).find("holds U+001B at 2"),
            std::string::npos);
  EXPECT_EQ(parse(valid_config, {"name=\"tab\\tok\""}).name, "tab\tok");
}

TEST(Config, AResNetMicroBatchOfOneAtOneByOneIsRefused) {
  const auto resnet = [](const std::string& data, int gpus = 1) {
    const std::string model = replace(
        valid_config, "model: {name: mlp, input_dim: 100, hidden: [], output_dim: 1, loss: mse}",
        "model: {name: resnet, depth: 18, image_size: 32}");
    return error_of(
        replace(replace(model, "data: {samples: 10000, batch_size: 32, drop_last: false}", data),
                "gpus: 1}", "gpus: " + std::to_string(gpus) + "}"));
  };
  EXPECT_NE(resnet("data: {samples: 100, batch_size: 1}").find("data.batch_size 1 with model"),
            std::string::npos);
  // 5 samples in batches of 4: the last step holds one.
  EXPECT_NE(resnet("data: {samples: 5, batch_size: 4}")
                .find("the epoch's last step trains a micro-batch of 1 sample"),
            std::string::npos);
  EXPECT_EQ(resnet("data: {samples: 5, batch_size: 4, drop_last: true}"), "");
  EXPECT_EQ(resnet("data: {samples: 6, batch_size: 4}"), "");
  // On two devices the last step is shared: 10 samples in steps of 2 × 4 leave 2, one for each
  // device; on one device they leave 2 for it. 11 on two devices leave 3, two for this device.
  EXPECT_NE(resnet("data: {samples: 10, batch_size: 4}", 2).find("micro-batch of 1 sample"),
            std::string::npos);
  EXPECT_EQ(resnet("data: {samples: 10, batch_size: 4}", 1), "");
  EXPECT_EQ(resnet("data: {samples: 11, batch_size: 4}", 2), "");
  // Larger images end above 1×1.
  EXPECT_EQ(error_of(replace(replace(valid_config,
                                     "model: {name: mlp, input_dim: 100, hidden: [], output_dim: "
                                     "1, loss: mse}",
                                     "model: {name: resnet, depth: 18, image_size: 33}"),
                             "data: {samples: 10000, batch_size: 32, drop_last: false}",
                             "data: {samples: 5, batch_size: 1}")),
            "");
}

TEST(Config, EditDistance) {
  EXPECT_EQ(edit_distance("batch_sise", "batch_size"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

} // namespace
} // namespace epochcost::config
