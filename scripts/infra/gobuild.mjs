// Builds a Go program from a module's source, as downloaded by the Go module
// proxy, into the cache folder: used for the servers `npm start` provisions
// itself (FerretDB, SeaweedFS). `go install module@version` does not fit
// either: FerretDB's module zip lacks a file its build writes, and SeaweedFS'
// go.mod has a `replace` line, which `go install …@version` refuses.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, run, say, seconds, tail, which } from '../lib/util.mjs';

/**
 * Returns `<cacheDir>/bin/<binary>`, building it first when it is missing:
 * `go mod download` of `module@version`, a writable copy of its source,
 * `prepare(srcDir)` (extra files, patches), then `go build -o` of `pkg`
 * (nice'd: the first start of the platform shares the machine with everything else).
 */
export async function buildGoBinary({ tag, module, version, pkg, binary, prepare, missingGo, cacheDir = '.cache', logDir = '.logs', what = tag }) {
  const bin = path.join(fromRoot(cacheDir), 'bin', binary);
  if (existsSync(bin)) return bin;
  if (!which('go')) throw new Error(missingGo);

  const started = Date.now();
  mkdirSync(fromRoot(cacheDir), { recursive: true });
  const logFile = path.join(fromRoot(logDir), `provision-${tag}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = [];
  const step = async (label, cmd, args, opts) => {
    const result = await run(cmd, args, opts);
    log.push(`$ ${cmd} ${args.join(' ')}\n${result.stdout}${result.stderr}`);
    writeFileSync(logFile, log.join('\n'));
    if (result.code !== 0) {
      throw new Error(`${what}: ${label} failed (exit ${result.code}); see ${logFile}:\n${tail(logFile, 25)}`);
    }
    return result;
  };

  say(tag, `fetching ${what} ${version} source with Go (first run only)…`);
  const download = await step('go mod download', 'go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: fromRoot(cacheDir),
    env: { ...process.env, GOFLAGS: '', GO111MODULE: 'on' },
  });
  const { Dir: moduleDir } = JSON.parse(download.stdout);
  if (!moduleDir) throw new Error(`${what}: go mod download gave no source folder:\n${download.stdout}`);

  const src = path.join(fromRoot(cacheDir), `${tag}-src-${process.pid}`);
  rmSync(src, { recursive: true, force: true });
  cpSync(moduleDir, src, { recursive: true });
  makeWritable(src);
  await prepare?.(src);

  say(tag, `compiling ${what} (first run only; minutes on 2 cores)…`);
  const out = path.join(fromRoot(cacheDir), `${binary}.tmp-${process.pid}`);
  const ticker = setInterval(() => say(tag, `  still compiling (${seconds(Date.now() - started)})…`), 30000);
  try {
    const [cmd, args] = which('nice') ? ['nice', ['-n', '10', 'go']] : ['go', []];
    await step('go build', cmd, [...args, 'build', '-buildvcs=false', '-o', out, pkg], { cwd: src, env: { ...process.env, GOFLAGS: '-buildvcs=false' } });
  } finally {
    clearInterval(ticker);
    rmSync(src, { recursive: true, force: true });
  }
  mkdirSync(path.dirname(bin), { recursive: true });
  cpSync(out, bin);
  chmodSync(bin, 0o755);
  rmSync(out, { force: true });
  say(tag, `${what} ${binary} built in ${seconds(Date.now() - started)}`);
  return bin;
}

function makeWritable(dir) {
  // The Go module cache is read-only; the copy must be writable to patch it and to delete it later.
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}
