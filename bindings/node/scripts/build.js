#!/usr/bin/env node
'use strict';
// Build the addon: build/evbpf.node from src/*.c plus tools/json_btf.c (the
// decoder of `evbpf run`), linked against the static evbpf libraries, with
// the Node-API headers of the npm package node-api-headers (no node-gyp,
// no download from nodejs.org).
//
//   node scripts/build.js           build if anything changed
//   node scripts/build.js --force   rebuild
//
// Environment:
//   EVBPF_BUILD_DIR   CMake build directory of the repository holding
//                     libevbpf.a, libevbpf-uv.a and the test fixtures
//                     (default: <repo>/build). Built with scripts/dev.sh
//                     when its libraries are missing.
//   CC                the C compiler (default: cc)
//   EVBPF_WERROR=1    add -Werror
//
// The result records which build directory it came from in
// build/config.json, which the tests read to find their BPF fixture.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PKG = path.resolve(__dirname, '..');
const ROOT = path.resolve(PKG, '..', '..');
const OUT_DIR = path.join(PKG, 'build');
const OUT = path.join(OUT_DIR, 'evbpf.node');
const CONFIG = path.join(OUT_DIR, 'config.json');

function log(msg) {
  process.stderr.write(`evbpf build: ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  log([cmd, ...args].join(' '));
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

function headersDir() {
  const find = () => {
    try {
      return path.dirname(require.resolve('node-api-headers/package.json', { paths: [PKG] }));
    } catch {
      return null;
    }
  };
  let dir = find();
  if (!dir) {
    // A fresh checkout: fetch the headers from the npm registry. Scripts
    // are ignored so that this does not run this build again.
    run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: PKG });
    dir = find();
  }
  if (!dir) throw new Error('node-api-headers could not be installed');
  return path.join(dir, 'include');
}

function libDir() {
  const dir = path.resolve(process.env.EVBPF_BUILD_DIR || path.join(ROOT, 'build'));
  const need = [
    path.join(dir, 'libevbpf.a'),
    path.join(dir, 'libevbpf-uv.a'),
    path.join(dir, 'tests', 'bpf', 'node_events.bpf.o'),
  ];
  if (!need.every((f) => fs.existsSync(f))) {
    // Build the library (and the fixtures) the way the README does; dev.sh
    // installs the Debian packages the build needs.
    run(path.join(ROOT, 'scripts', 'dev.sh'), ['build'], {
      cwd: ROOT,
      env: { ...process.env, BUILD_DIR: path.relative(ROOT, dir) },
    });
  }
  for (const f of need) if (!fs.existsSync(f)) throw new Error(`${f} is missing after the build`);
  return dir;
}

function sanitized(dir) {
  // CMakeCache.txt says whether the libraries were built with ASan/UBSan:
  // the addon must then be built with them too.
  try {
    return /^EVBPF_SANITIZE:BOOL=ON$/m.test(fs.readFileSync(path.join(dir, 'CMakeCache.txt'), 'utf8'));
  } catch {
    return false;
  }
}

function newest(files) {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

function main() {
  const force = process.argv.includes('--force');
  const include = headersDir();
  const lib = libDir();
  const asan = sanitized(lib);
  const cc = process.env.CC || 'cc';
  const srcDir = path.join(PKG, 'src');
  const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.c')).map((f) => path.join(srcDir, f));
  sources.push(path.join(ROOT, 'tools', 'json_btf.c'));
  const headers = fs.readdirSync(srcDir).filter((f) => f.endsWith('.h')).map((f) => path.join(srcDir, f));
  const libs = [path.join(lib, 'libevbpf-uv.a'), path.join(lib, 'libevbpf.a')];
  const config = { buildDir: lib, sanitize: asan };
  const inputs = [...sources, ...headers, ...libs, __filename];

  let old = null;
  try {
    old = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
  } catch {}
  if (!force && old && old.buildDir === lib && old.sanitize === asan && fs.existsSync(OUT) &&
      fs.statSync(OUT).mtimeMs >= newest(inputs)) {
    return;
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const flags = ['-std=gnu11', '-O2', '-g', '-fPIC', '-shared', '-fvisibility=hidden',
    '-Wall', '-Wextra', '-D_GNU_SOURCE',
    `-I${include}`, `-I${path.join(ROOT, 'include')}`, `-I${path.join(ROOT, 'core')}`,
    `-I${path.join(ROOT, 'async')}`, `-I${path.join(ROOT, 'tools')}`];
  if (process.env.EVBPF_WERROR === '1') flags.push('-Werror');
  if (asan) flags.push('-fsanitize=address,undefined', '-fno-omit-frame-pointer');
  // libuv and the napi_* functions come from the node binary that loads
  // the addon: libuv must not be linked here, or the addon would drive a
  // second copy of libuv beside the one running Node's loop. The static
  // libraries' own symbols stay private to the addon.
  const tmp = `${OUT}.tmp`;
  run(cc, [...flags, ...sources, ...libs, '-Wl,--exclude-libs,ALL', '-lpthread', '-lm', '-o', tmp]);
  fs.renameSync(tmp, OUT);
  fs.writeFileSync(CONFIG, `${JSON.stringify(config, null, 2)}\n`);
  // require('evbpf') from anywhere in the repository (the examples).
  const link = path.join(ROOT, 'node_modules', 'evbpf');
  try {
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(link), PKG), link, 'dir');
  } catch (e) {
    log(`could not link ${link}: ${e.message}`);
  }
  log(`built ${path.relative(process.cwd(), OUT)} against ${lib}`);
}

try {
  main();
} catch (e) {
  log(e.message);
  process.exit(1);
}
