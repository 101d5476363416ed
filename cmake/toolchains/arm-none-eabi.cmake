# Bare-metal Arm Cortex-M with Debian's arm-none-eabi-gcc. The core file that
# includes this sets KILN_CPU_FLAGS and KILN_BOARD first.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(KILN_DEVICE_FLAGS "${KILN_CPU_FLAGS} -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${KILN_DEVICE_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${KILN_DEVICE_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${KILN_DEVICE_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${KILN_DEVICE_FLAGS} -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
