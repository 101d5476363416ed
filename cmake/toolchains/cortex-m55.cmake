# cortex-m55 on QEMU's mps3-an547.
set(KILN_CORE cortex-m55)
set(KILN_BOARD mps3-an547)
set(KILN_CPU_FLAGS "-mcpu=cortex-m55 -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
