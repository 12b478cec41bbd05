// The string formats we enforce, as regular expressions over the string's characters (none of
// which needs a JSON escape). Exact where the standard is a grammar: date (month lengths and leap
// years), time and date-time (RFC 3339 with upper-case T and Z, except that a leap second is only
// written as 23:59:60 at offset zero: RFC 3339 allows second 60 only in the last minute of a UTC
// day, as ajv-formats checks), duration (RFC 3339 appendix A),
// uuid (RFC 4122 text form), ipv4 (dotted decimal without leading zeros). Practical subsets,
// never wider, elsewhere: email (RFC 5321 dot-atom local part, no quoted local part or address
// literal; a domain with a dot and at most four labels of 62 characters), hostname (RFC 1123
// labels; at most four of 62 characters, which keeps the 253-character total), ipv6 (RFC 4291 text forms, the IPv4-suffixed ones
// partly), uri (RFC 3986 with a reg-name host, no IP-literal).
#include "grammar/json_schema_compiler.h"

#include <map>
#include <string>

namespace gatehouse::grammar {
namespace {

std::map<std::string, std::string, std::less<>> make_formats() {
  const std::string year = "[0-9]{4}";
  const std::string leap_year = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";
  const std::string date = "(" + year + "-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|" + year + "-(0[469]|11)-(0[1-9]|[12][0-9]|30)|" +
                           year + "-02-(0[1-9]|1[0-9]|2[0-8])|" + leap_year + "-02-29)";
  const std::string fraction = "(\\.[0-9]+)?";
  const std::string time = "(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]" + fraction + "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])|23:59:60" +
                           fraction + "(Z|[+-]00:00))";
  const std::string n = "[0-9]+";
  const std::string time_part = "T(" + n + "S|" + n + "M(" + n + "S)?|" + n + "H(" + n + "M(" + n + "S)?)?)";
  const std::string duration = "P((" + n + "D|" + n + "M(" + n + "D)?|" + n + "Y(" + n + "M(" + n + "D)?)?)(" + time_part + ")?|" +
                               time_part + "|" + n + "W)";
  const std::string hex = "[0-9a-fA-F]";
  const std::string uuid = hex + "{8}-" + hex + "{4}-" + hex + "{4}-" + hex + "{4}-" + hex + "{12}";
  const std::string octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  const std::string ipv4 = "(" + octet + "\\.){3}" + octet;
  const std::string h16 = hex + "{1,4}";
  const std::string ipv6 = "((" + h16 + ":){7}" + h16 + "|(" + h16 + ":){1,7}:|(" + h16 + ":){1,6}:" + h16 + "|(" + h16 + ":){1,5}(:" + h16 +
                           "){1,2}|(" + h16 + ":){1,4}(:" + h16 + "){1,3}|(" + h16 + ":){1,3}(:" + h16 + "){1,4}|(" + h16 + ":){1,2}(:" +
                           h16 + "){1,5}|" + h16 + ":(:" + h16 + "){1,6}|:((:" + h16 + "){1,7}|:)|(" + h16 + ":){6}" + ipv4 +
                           "|::(ffff(:0{1,4})?:)?" + ipv4 + "|(" + h16 + ":){1,4}:" + ipv4 + ")";
  // RFC 1123 caps a name at 253 characters; at most four labels of 62 stay under it exactly.
  const std::string short_label = "[A-Za-z0-9]([A-Za-z0-9-]{0,60}[A-Za-z0-9])?";
  const std::string hostname = short_label + "(\\." + short_label + "){0,3}";
  const std::string atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
  // A domain with at least one dot, as practical validators (ajv-formats, HTML's input type=email)
  // require: a dotless domain is legal but never what a schema author means.
  const std::string email = atext + "+(\\." + atext + "+)*@" + short_label + "(\\." + short_label + "){1,3}";
  const std::string escaped = "%" + hex + hex;
  const std::string pchar = "([A-Za-z0-9._~!$&'()*+,;=:@-]|" + escaped + ")";
  const std::string query_char = "([A-Za-z0-9._~!$&'()*+,;=:@/?-]|" + escaped + ")";
  const std::string authority = "(([A-Za-z0-9._~!$&'()*+,;=:-]|" + escaped + ")*@)?([A-Za-z0-9._~!$&'()*+,;=-]|" + escaped + ")*(:[0-9]*)?";
  const std::string uri = "[A-Za-z][A-Za-z0-9+.-]*:(//" + authority + "(/" + pchar + "*)*|/?(" + pchar + "+(/" + pchar + "*)*)?)(\\?" +
                          query_char + "*)?(#" + query_char + "*)?";
  return {{"date", date}, {"time", time},         {"date-time", date + "T" + time}, {"duration", duration}, {"uuid", uuid},
          {"ipv4", ipv4}, {"ipv6", ipv6},         {"hostname", hostname},           {"email", email},       {"uri", uri}};
}

}  // namespace

std::optional<std::string_view> format_regex(std::string_view format) {
  static const std::map<std::string, std::string, std::less<>> kFormats = make_formats();
  auto found = kFormats.find(format);
  if (found == kFormats.end()) return std::nullopt;
  return found->second;
}

}  // namespace gatehouse::grammar
