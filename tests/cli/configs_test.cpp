// Every shipped config validates, for the purpose it is made for.
#include "../support/cli_runner.hpp"

#include <filesystem>
#include <gtest/gtest.h>

namespace epochcost::testing {
namespace {

TEST(ShippedConfigs, AllValidate) {
  int checked = 0;
  // Job configs live at the top of configs/; subfolders hold data tables (hardware/).
  for (const auto& entry : std::filesystem::directory_iterator(source_path("configs"))) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string text = slurp(entry.path());
    const bool has_model =
        text.find("\nmodel:") != std::string::npos || text.rfind("model:", 0) == 0;
    const auto output =
        run_cli("validate " + entry.path().string() + " --for " + (has_model ? "run" : "estimate"));
    EXPECT_EQ(output.exit_code, 0) << entry.path() << ": " << output.err;
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

} // namespace
} // namespace epochcost::testing
