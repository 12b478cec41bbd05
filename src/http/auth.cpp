#include "http/auth.h"

#include <strings.h>

namespace gatehouse::http {

std::optional<std::string_view> authorization_credentials(const Request& request,
                                                          std::initializer_list<std::string_view> schemes) {
  const std::string* header = request.header("authorization");
  if (!header) return std::nullopt;
  const std::string_view value = *header;
  for (std::string_view scheme : schemes) {
    if (value.size() <= scheme.size() + 1 || value[scheme.size()] != ' ' ||
        strncasecmp(value.data(), scheme.data(), scheme.size()) != 0) {
      continue;
    }
    return value.substr(scheme.size() + 1);
  }
  return std::nullopt;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // volatile keeps the compiler from stopping at the first difference.
  volatile unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference = difference | (a[i] ^ b[i]);
  return difference == 0;
}

}  // namespace gatehouse::http
