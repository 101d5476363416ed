#include "tools/kiln/progress.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

namespace kiln {
namespace cli {

std::function<void(size_t, size_t)> progress_printer(const std::string& verb,
                                                     bool quiet_when_piped) {
  const bool tty = isatty(fileno(stderr));
  auto last = std::make_shared<size_t>(0);
  return [tty, last, verb, quiet_when_piped](size_t done, size_t total) {
    if (tty) {
      std::fprintf(stderr, "\rkiln: %s %zu/%zu%s", verb.c_str(), done, total,
                   done == total ? "\n" : "");
    } else if (!quiet_when_piped && (done == total || done * 10 / total != *last * 10 / total)) {
      std::fprintf(stderr, "kiln: %s %zu/%zu\n", verb.c_str(), done, total);
    }
    *last = done;
  };
}

}  // namespace cli
}  // namespace kiln
