// Debian's nginx as a child process for the benchmarks: a fixed responder, or the reference reverse
// proxy (what one more loopback hop through a lean C proxy costs on this machine), each on a free
// loopback port with a generated config under a folder the caller owns. Killed when Node exits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const started = [];
process.on('exit', () => { for (const child of started) child.kill('SIGKILL'); });

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 200; i += 1) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); }).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

// nginx in `dir`/`name`: no root paths, one worker, `location` (its directives) for any request, and
// `blocks` at the http level. Resolves with its port once it listens.
export async function startNginx(dir, name, location, blocks = '') {
  const port = await freePort();
  const home = path.join(dir, name);
  fs.mkdirSync(home);
  const conf = path.join(home, 'nginx.conf');
  fs.writeFileSync(conf, `daemon off;
master_process off;
worker_processes 1;
pid ${home}/nginx.pid;
error_log ${home}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${home}/body; proxy_temp_path ${home}/proxy; fastcgi_temp_path ${home}/fastcgi;
  uwsgi_temp_path ${home}/uwsgi; scgi_temp_path ${home}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  ${blocks}
  server {
    listen 127.0.0.1:${port};
    location / { ${location} }
  }
}
`);
  started.push(spawn('/usr/sbin/nginx', ['-p', home, '-c', conf, '-e', `${home}/error.log`], { stdio: 'inherit' }));
  await waitForPort(port);
  return port;
}

// The process of the nginx started in `dir`/`name` (master_process off: the one that does the work).
export const nginxPid = (dir, name) => Number(fs.readFileSync(path.join(dir, name, 'nginx.pid'), 'utf8'));

// The reference proxy in front of `upstream` ("host:port"), as a lean reverse proxy would be set up for
// this: HTTP/1.1 upstream connections kept alive, answers passed on as they come.
export const startNginxProxy = (dir, name, upstream) => startNginx(dir, name,
  'proxy_pass http://target; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off;',
  `upstream target { server ${upstream}; keepalive 64; }`);
