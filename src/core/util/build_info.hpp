#pragma once

namespace epochcost::build_info {

// The release version and the git revision of the tree the binary was built from (read at build
// time, "-dirty" when tracked files had uncommitted changes, "unknown" outside a git checkout).
const char* version();
const char* git_revision();

} // namespace epochcost::build_info
