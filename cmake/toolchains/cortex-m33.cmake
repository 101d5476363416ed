# cortex-m33 on QEMU's mps2-an505.
set(KILN_CORE cortex-m33)
set(KILN_BOARD mps2-an505)
set(KILN_CPU_FLAGS "-mcpu=cortex-m33 -mfloat-abi=hard -mfpu=fpv5-sp-d16")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
