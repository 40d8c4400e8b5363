#include "util/errors.hpp"

#include <csignal>

namespace epochcost {

Interrupted::Interrupted(int signal_number)
    : Error(signal_number == SIGTERM ? ExitCode::terminated : ExitCode::interrupted,
            signal_number == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)") {}

} // namespace epochcost
