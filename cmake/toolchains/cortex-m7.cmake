# cortex-m7 on QEMU's mps2-an500.
set(KILN_CORE cortex-m7)
set(KILN_BOARD mps2-an500)
set(KILN_CPU_FLAGS "-mcpu=cortex-m7 -mfloat-abi=hard -mfpu=fpv5-d16")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
