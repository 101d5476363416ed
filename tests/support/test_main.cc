// main() of every kiln test binary: GoogleTest's, plus --kiln-device=CORE.
#include <gtest/gtest.h>

#include "tests/support/test_support.h"

int main(int argc, char** argv) {
  kiln::test::parse_device_flag(&argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
