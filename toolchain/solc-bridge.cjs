#!/usr/bin/env node
// A solc command line over the npm `solc` package (solcjs), for tools that expect the native binary:
// py-solc-x (`solc_binary`), ape-solidity (`solc-v<version>` in SOLCX_BINARY_PATH) and anything that
// speaks `solc --standard-json`.
//
// Answers:
//   --version                  the native binary's two-line banner, so version sniffers parse it
//   --standard-json            Standard JSON in on stdin, Standard JSON out on stdout
// and honours --base-path, --include-path (repeatable) and --allow-paths (comma separated) when it
// resolves an import that the input JSON did not carry inline.
//
// Compiler errors (syntax, types) come back inside the output JSON as solc reports them; the bridge
// itself only exits non-zero for a command line it does not understand or input that is not JSON.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

function fail(message) {
  process.stderr.write(`solc-bridge: ${message}\n`);
  process.exitCode = 2;
}

function parseArgs(argv) {
  const opts = { mode: null, basePath: null, includePaths: [], allowPaths: [] };
  const takeValue = (i, flag) => {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    if (eq !== -1) return [arg.slice(eq + 1), i];
    if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
    return [argv[i + 1], i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const flag = arg.split('=')[0];
    let value;
    switch (flag) {
      case '--version':
        opts.mode = 'version';
        break;
      case '--standard-json':
        opts.mode = 'standard-json';
        break;
      case '--base-path':
        [value, i] = takeValue(i, flag);
        opts.basePath = value;
        break;
      case '--include-path':
        [value, i] = takeValue(i, flag);
        opts.includePaths.push(value);
        break;
      case '--allow-paths':
        [value, i] = takeValue(i, flag);
        opts.allowPaths.push(...value.split(',').filter(Boolean));
        break;
      default:
        throw new Error(`unsupported argument '${arg}' (this bridge answers --version and --standard-json)`);
    }
  }
  return opts;
}

function isInside(file, dir) {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function makeImportCallback(opts) {
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths].map((p) => path.resolve(p));
  const allowed = [...roots, ...opts.allowPaths.map((p) => path.resolve(p))];
  return function findImport(importPath) {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      const resolved = path.resolve(candidate);
      if (!allowed.some((dir) => isInside(resolved, dir))) continue;
      if (fs.existsSync(resolved) && fs.statSync(resolved).isFile()) {
        return { contents: fs.readFileSync(resolved, 'utf8') };
      }
    }
    return { error: `File not found inside the base path or any of the include paths: ${importPath}` };
  };
}

function readStdin() {
  const chunks = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    let read;
    try {
      read = fs.readSync(0, buffer, 0, buffer.length, null);
    } catch (err) {
      if (err.code === 'EAGAIN') continue;
      if (err.code === 'EOF') break;
      throw err;
    }
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function writeAll(text) {
  // Write synchronously to the end: process.stdout.write on a pipe is asynchronous and an early exit
  // would cut the JSON at 64 KiB.
  const data = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(1, data, offset, data.length - offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    return fail(err.message);
  }
  if (opts.mode === 'version') {
    writeAll(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (opts.mode !== 'standard-json') {
    return fail('nothing to do: pass --version or --standard-json');
  }
  const input = readStdin();
  try {
    JSON.parse(input);
  } catch (err) {
    return fail(`standard JSON input is not valid JSON: ${err.message}`);
  }
  writeAll(solc.compile(input, { import: makeImportCallback(opts) }) + '\n');
}

main();
