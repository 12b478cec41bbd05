// Fuzzes the mirror's request handling: arbitrary method, target, headers and body against a small
// repo root, plus the access-policy parser. Every answer must be an HTTP response (errors included);
// nothing may crash, and no file outside the root may ever be chosen as a body.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <strings.h>
#include <unistd.h>

#include "base/error.h"
#include "hub/mirror/mirror_service.h"

namespace {

namespace fs = std::filesystem;
using namespace gatehouse;

fs::path make_root() {
  fs::path root = fs::temp_directory_path() / ("gatehouse-mirror-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(root / "org" / "repo" / "sub");
  fs::create_directories(root / "datasets" / "org" / "data");
  std::ofstream(root / "org" / "repo" / "config.json") << "{\"a\": 1}";
  std::ofstream(root / "org" / "repo" / "sub" / "w.safetensors") << std::string(300, 'w');
  std::ofstream(root / "datasets" / "org" / "data" / "x.csv") << "a,b\n1,2\n";
  std::ofstream(root / "secret.txt") << "outside every repo";
  // Links the mirror must never follow out of a repo (docs/hub.md): to a file outside every repo,
  // into the gated dataset, a repo folder that is a link to the gated dataset, a loop.
  std::error_code ec;
  fs::create_symlink("../../secret.txt", root / "org" / "repo" / "secret.txt", ec);
  fs::create_symlink("../../datasets/org/data/x.csv", root / "org" / "repo" / "x.csv", ec);
  fs::create_directory_symlink("../datasets/org/data", root / "org" / "alias", ec);
  fs::create_symlink("loop", root / "org" / "repo" / "loop", ec);
  fs::create_symlink("config.json", root / "org" / "repo" / "same.json", ec);  // inside: served
  return root;
}

// Splits the input into fields at '\n': method, target, range, if-none-match, authorization, body.
std::string next_field(std::string_view& input) {
  size_t end = input.find('\n');
  std::string field(input.substr(0, end));
  input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  return field;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path root = make_root();
  // A fake token, spelled out at run time (the seed in run_fuzzers.sh uses the same one).
  static const std::string token = "hf_" + std::string(40, 'T');
  static const hub::AccessPolicy policy = hub::AccessPolicy::parse(
      R"({"public": ["org/repo"], "gated": ["datasets/org/*"], "tokens": {")" + token + R"(": ["datasets/*"]}})",
      "fuzz access");
  static const hub::MirrorService service(std::make_shared<hub::RepoStore>(root), nullptr, policy,
                                          hub::MirrorOptions{.tree_page_size = 2, .public_url = "http://mirror.test/hub"});
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    hub::AccessPolicy::parse(input, "fuzz input");
  } catch (const gatehouse::Error&) {
  }
  http::Request request;
  request.method = next_field(input);
  request.target = next_field(input);
  request.path = request.target.substr(0, request.target.find('?'));
  if (size_t q = request.target.find('?'); q != std::string::npos) request.query = request.target.substr(q + 1);
  if (request.path.empty() || request.path[0] != '/') request.path = "/" + request.path;
  const char* names[] = {"range", "if-none-match", "authorization", "content-type", "host"};
  for (const char* name : names) request.headers.emplace_back(name, next_field(input));
  request.body = std::string(input);
  http::Response response = service.handle(request);
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (response.file) {
    fs::path file = fs::read_symlink("/proc/self/fd/" + std::to_string(response.file->file->get()));  // what is sent
    std::string inside = fs::weakly_canonical(root / "org" / "repo").string() + "/";
    // org/repo is the only public repo: nothing else may be served without the token.
    const std::string& authorization = request.headers[2].second;
    bool authorized = authorization.size() > 7 && strncasecmp(authorization.c_str(), "Bearer ", 7) == 0 &&
                      authorization.substr(7) == token;
    if ((!authorized && file.string().compare(0, inside.size(), inside) != 0) || file.filename() == "secret.txt") {
      __builtin_trap();
    }
  }
  for (const auto& [name, value] : response.headers) {
    // Absolute URLs come from the configured public URL, whatever Host the request names.
    if (name == "Link" && value.rfind("<http://mirror.test/hub/", 0) != 0) __builtin_trap();
  }
  // No listing names a path out of its repo, or a file that only a link out of it reaches.
  if (response.status == 200 && !response.file &&
      (response.body.find("..") != std::string::npos || response.body.find("secret.txt") != std::string::npos)) {
    __builtin_trap();
  }
  return 0;
}
