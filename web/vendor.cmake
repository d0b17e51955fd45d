# cmake -DWEB_DIR=<web folder> -P vendor.cmake: copies the npm packages' files
# the dashboard loads into WEB_DIR/static/vendor/ (only when they changed),
# or says how to get them when web/node_modules is missing.
set(files "echarts/dist/echarts.min.js")
foreach(f IN LISTS files)
  set(src "${WEB_DIR}/node_modules/${f}")
  get_filename_component(name "${f}" NAME)
  if(EXISTS "${src}")
    file(MAKE_DIRECTORY "${WEB_DIR}/static/vendor")
    file(COPY_FILE "${src}" "${WEB_DIR}/static/vendor/${name}" ONLY_IF_DIFFERENT)
  else()
    message(STATUS "web/node_modules/${f} is missing: the dashboard has no charts until scripts/setup (npm ci in web/) has run and autotune is built again")
  endif()
endforeach()
