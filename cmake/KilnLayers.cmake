# The host compiler is a stack of libraries, one per layer of the pipeline;
# each may include and link only the layers below it. kiln_layer() declares
# one and records its folders; kiln_check_layers() adds a build step that
# fails when a file includes a header of a layer its library does not link,
# or when the device runtime includes anything of the compiler.

# kiln_layer(NAME FOLDERS folder... SOURCES file... [DEPENDS layer...] [LINK target...])
function(kiln_layer name)
  cmake_parse_arguments(L "" "" "FOLDERS;SOURCES;DEPENDS;LINK" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${L_DEPENDS} ${L_LINK})
  target_link_libraries(${name} PRIVATE kiln_warnings)
  set_property(GLOBAL APPEND PROPERTY KILN_LAYERS ${name})
  set_property(GLOBAL PROPERTY KILN_LAYER_FOLDERS_${name} ${L_FOLDERS})
  set_property(GLOBAL PROPERTY KILN_LAYER_DEPENDS_${name} ${L_DEPENDS})
endfunction()

# The layers `name` may use: itself and everything below it.
function(kiln_layer_closure name out)
  set(closure ${name})
  get_property(depends GLOBAL PROPERTY KILN_LAYER_DEPENDS_${name})
  foreach(dep IN LISTS depends)
    kiln_layer_closure(${dep} below)
    list(APPEND closure ${below})
  endforeach()
  list(REMOVE_DUPLICATES closure)
  set(${out} ${closure} PARENT_SCOPE)
endfunction()

function(kiln_check_layers)
  get_property(layers GLOBAL PROPERTY KILN_LAYERS)
  set(manifest "")
  set(checked_files "")
  foreach(layer IN LISTS layers)
    kiln_layer_closure(${layer} closure)
    set(allowed "")
    foreach(lib IN LISTS closure)
      get_property(folders GLOBAL PROPERTY KILN_LAYER_FOLDERS_${lib})
      list(APPEND allowed ${folders})
    endforeach()
    get_property(own GLOBAL PROPERTY KILN_LAYER_FOLDERS_${layer})
    foreach(folder IN LISTS own)
      string(REPLACE ";" "," allowed_list "${allowed}")
      string(APPEND manifest "${layer}|${folder}|${allowed_list}\n")
      file(GLOB_RECURSE files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.h ${PROJECT_SOURCE_DIR}/${folder}/*.cc)
      list(APPEND checked_files ${files})
    endforeach()
  endforeach()
  # The device runtime stands below the whole compiler.
  string(APPEND manifest "kiln_runtime|runtime|\n")
  file(GLOB_RECURSE runtime_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/runtime/*.h ${PROJECT_SOURCE_DIR}/runtime/*.cc)
  list(APPEND checked_files ${runtime_files})

  set(manifest_file ${CMAKE_CURRENT_BINARY_DIR}/layers.txt)
  file(WRITE ${manifest_file} "${manifest}")
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/layers.checked)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DMANIFEST=${manifest_file} -DROOT=${PROJECT_SOURCE_DIR} -DSTAMP=${stamp}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    DEPENDS ${checked_files} ${manifest_file} ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    COMMENT "Checking that each library includes only the layers below it")
  add_custom_target(kiln_layers_checked DEPENDS ${stamp})
  foreach(layer IN LISTS layers)
    add_dependencies(${layer} kiln_layers_checked)
  endforeach()
endfunction()
