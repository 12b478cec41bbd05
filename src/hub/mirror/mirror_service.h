// The Hub-compatible HTTP API of `gatehouse hub serve` over a RepoStore (and optionally an
// upstream Hub to pull through) and an AccessPolicy: repo
// info, paginated trees, paths-info, refs, whoami-v2 and /resolve/ with the headers, ranges and
// error codes that huggingface_hub, @huggingface/hub and Transformers.js rely on
// (docs/hub.md lists them). No Xet signals are ever sent. Stateless apart from its store;
// handle() is thread-safe.
#pragma once

#include <memory>

#include "http/cors.h"
#include "http/server.h"
#include "hub/mirror/access_policy.h"
#include "hub/mirror/repo_store.h"

namespace gatehouse::hub {

struct MirrorOptions {
  size_t tree_page_size = 1000;  // entries per /tree page, as the Hub pages recursive listings
  // The URL clients reach the mirror at, for the absolute URLs it sends (the tree's `Link: rel="next"`):
  // http(s)://host[:port][/prefix], the prefix when a proxy mounts the mirror under a path. Required.
  // The request's Host header is never used: a client could point another client's next page
  // (and its token) anywhere.
  std::string public_url;
  // Take the scheme from X-Forwarded-Proto and the host from X-Forwarded-Host (the last value of
  // each, the one the nearest proxy wrote) where they are valid, the rest from public_url; only
  // behind a proxy that sets them.
  bool trust_proxy_headers = false;
};

// `url` checked and normalised as MirrorOptions::public_url: http or https, a host, an optional
// port and path prefix, no user info, query or fragment; the trailing '/' removed. Throws
// Error(invalid_argument) saying what is wrong.
std::string normalize_public_url(std::string_view url);

// The cross-origin rules of the public Hub, for the Server that carries a MirrorService: any
// origin, method and request header, and the Hub's own response headers readable by browser apps
// (Transformers.js and @huggingface/hub read X-Repo-Commit, ETag, Link, ...).
http::CorsOptions mirror_cors_options();

class MirrorService {
 public:
  // Repos are looked up in `store` first, then (when set) in `upstream`.
  MirrorService(std::shared_ptr<const RepoStore> store, std::shared_ptr<const RepoSource> upstream, AccessPolicy policy,
                MirrorOptions options = {});

  http::Response handle(const http::Request& request) const;

 private:
  struct Call;
  http::Response route(Call& call) const;
  http::Response repo_info(Call& call) const;
  http::Response tree(Call& call) const;
  http::Response paths_info(Call& call) const;
  http::Response refs(Call& call) const;
  http::Response whoami(Call& call) const;
  http::Response resolve(Call& call) const;

  // The repo's main from the store or else the upstream; `source` tells which.
  std::optional<RepoSnapshot> find_repo(const RepoId& repo, const RepoSource*& source) const;
  // scheme://host[:port][/prefix] for absolute URLs in an answer to `request`.
  std::string public_base(const http::Request& request) const;

  std::shared_ptr<const RepoStore> store_;
  std::shared_ptr<const RepoSource> upstream_;
  AccessPolicy policy_;
  MirrorOptions options_;
};

}  // namespace gatehouse::hub
