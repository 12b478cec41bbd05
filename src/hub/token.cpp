#include "hub/token.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "base/error.h"
#include "base/file.h"
#include "hub/cache.h"

namespace gatehouse::hub {
namespace fs = std::filesystem;
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

[[noreturn]] void fail(int error, std::string_view action, const fs::path& path) {
  ErrorCode code = ErrorCode::internal;
  if (error == EACCES || error == EPERM || error == EROFS) code = ErrorCode::permission_denied;
  else if (error == ENOENT || error == ENOTDIR) code = ErrorCode::not_found;
  else if (error == ENOSPC || error == EDQUOT) code = ErrorCode::resource_exhausted;
  throw Error(code, "cannot " + std::string(action) + " token file " + path.string() + ": " + std::strerror(error));
}

}  // namespace

fs::path token_path() {
  if (auto path = env("HF_TOKEN_PATH"); path && !path->empty()) return expand_path(*path);
  return hf_home() / "token";
}

std::optional<SecretString> clean_token(std::string_view raw) {
  std::string token;
  token.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r' && c != '\n') token.push_back(c);
  }
  size_t begin = 0;
  size_t end = token.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(token[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(token[end - 1]))) --end;
  if (begin == end) return std::nullopt;
  return SecretString(token.substr(begin, end - begin));
}

std::optional<SecretString> resolve_token(const std::optional<std::string>& explicit_token) {
  if (explicit_token) {
    if (auto token = clean_token(*explicit_token)) return token;
  }
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    if (auto value = env(name)) {
      if (auto token = clean_token(*value)) return token;
    }
  }
  const fs::path path = token_path();
  std::string contents;
  try {
    contents = files::read_file(path);
  } catch (const Error& error) {
    if (error.code() == ErrorCode::not_found) return std::nullopt;
    // read_file's message names the path and the reason, never the contents.
    throw;
  }
  return clean_token(contents);
}

void store_token(const SecretString& token) {
  auto cleaned = clean_token(token.reveal());
  if (!cleaned) throw Error(ErrorCode::invalid_argument, "the token is empty; paste a token from https://huggingface.co/settings/tokens");
  const fs::path path = token_path();
  std::error_code ec;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail(ec.value(), "create the folder of", path);
  }
  files::write_file_atomic(path, cleaned->reveal(), 0600);
}

}  // namespace gatehouse::hub
