// Compiled against one module's target by tests/graph/CMakeLists.txt: it includes the header named
// by GATEHOUSE_PROBE_HEADER, which builds only when the module may depend on that header's module.
#include GATEHOUSE_PROBE_HEADER
