# The module graph, enforced by the build. Each module src/<module> is one target that sees only the
# headers of the modules it links: its PUBLIC include folder is ${PROJECT_BINARY_DIR}/include/<module>,
# which holds a single link <module> -> src/<module>, so `#include "<module>/file.h"` resolves there
# and nowhere else. A target that links gatehouse_serve (directly or through a PUBLIC dependency)
# can include "serve/..."; any other gets "No such file or directory".

# Gives `target` the include folder of `module` (src/<module>), and nothing else.
function(gatehouse_module_includes target module)
  set(folder ${PROJECT_BINARY_DIR}/include/${module})
  file(MAKE_DIRECTORY ${folder})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${module} ${folder}/${module} SYMBOLIC)
  target_include_directories(${target} PUBLIC ${folder})
endfunction()

# gatehouse_module(<module> [PUBLIC <targets>...] [PRIVATE <targets>...]): the static library
# gatehouse_<module> from every .cpp under src/<module>. PUBLIC lists the modules (and outside
# libraries) its headers expose; PRIVATE what only its sources use.
function(gatehouse_module module)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "PUBLIC;PRIVATE")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${module}/*.cpp)
  add_library(gatehouse_${module} STATIC ${sources})
  gatehouse_module_includes(gatehouse_${module} ${module})
  target_link_libraries(gatehouse_${module} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
endfunction()
