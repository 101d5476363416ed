# cortex-m4 on QEMU's mps2-an386.
set(KILN_CORE cortex-m4)
set(KILN_BOARD mps2-an386)
set(KILN_CPU_FLAGS "-mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
