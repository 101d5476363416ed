// Progress of long work on stderr: one line rewritten in place on a
// terminal; elsewhere a line per tenth of the work (logs stay short), or
// nothing when `quiet_when_piped`.
#ifndef KILN_TOOLS_KILN_PROGRESS_H
#define KILN_TOOLS_KILN_PROGRESS_H

#include <cstddef>
#include <functional>
#include <string>

namespace kiln {
namespace cli {

// A callback (done, total) printing "kiln: <verb> done/total".
std::function<void(size_t, size_t)> progress_printer(const std::string& verb,
                                                     bool quiet_when_piped = false);

}  // namespace cli
}  // namespace kiln

#endif
