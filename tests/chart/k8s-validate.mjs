// Offline validation of rendered Kubernetes objects.
//   1. Schema: every object is checked with the validator kubernetes-models ships for its
//      apiVersion/kind (the Kubernetes OpenAPI schemas, compiled): types, enums, required fields.
//   2. Unknown fields: those schemas accept fields they do not know, while the API server
//      (strict field validation, the kubectl default) rejects them; a typo such as
//      `readOnlyRootFilesytem` would pass silently. So every field is also looked up in the
//      interfaces kubernetes-models declares (its .d.ts files), recursively.
// HTTPRoute (gateway.networking.k8s.io/v1) is not in kubernetes-models: it is checked against
// ./httproute.schema.json, written for this chart from the Gateway API v1 reference.
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const modelsRoot = dirname(require.resolve('kubernetes-models/package.json'));
const here = dirname(new URL(import.meta.url).pathname);

function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [null, apiVersion];
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

let httpRouteValidator;
function httpRouteValidate(obj) {
  if (!httpRouteValidator) {
    // ajv comes with the workspace's tooling (@angular-devkit/core depends on it).
    const Ajv = require('ajv').default ?? require('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false });
    httpRouteValidator = ajv.compile(JSON.parse(readFileSync(join(here, 'httproute.schema.json'), 'utf8')));
  }
  if (!httpRouteValidator(obj)) {
    return httpRouteValidator.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
  }
  return [];
}

/** Returns a list of problems (empty when the object is valid). */
export async function validateObject(obj) {
  if (!obj || typeof obj !== 'object') return ['not an object'];
  const { apiVersion, kind } = obj;
  if (!apiVersion || !kind) return ['apiVersion and kind are required'];
  if (apiVersion === 'gateway.networking.k8s.io/v1' && kind === 'HTTPRoute') return httpRouteValidate(obj);
  const spec = modelPath(apiVersion, kind);
  let mod;
  try {
    mod = require(spec);
  } catch {
    return [`no schema for ${apiVersion} ${kind} (${spec})`];
  }
  const Model = mod[kind];
  const problems = [];
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push(String(err.message ?? err));
  }
  problems.push(...unknownFields(obj, require.resolve(spec).replace(/\.js$/, '.d.ts')));
  return problems;
}

// --- unknown-field check over the .d.ts interfaces --------------------------------------

const fileCache = new Map();
function parseDts(file) {
  if (fileCache.has(file)) return fileCache.get(file);
  const text = readFileSync(file, 'utf8');
  const imports = new Map();
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) imports.set(m[1], m[2]);
  const iface = text.match(/export interface (\w+)(?: extends [\w, ]+)? \{([\s\S]*?)\n\}/);
  let props = null;
  if (iface) {
    // Top-level properties sit at four spaces; a type may span lines (inline objects).
    props = new Map();
    const body = iface[2].replace(/\/\*\*[\s\S]*?\*\//g, '');
    const starts = [...body.matchAll(/^ {4}"([^"]+)"\??: /gm)];
    starts.forEach((m, i) => {
      const end = i + 1 < starts.length ? starts[i + 1].index : body.length;
      const type = body.slice(m.index + m[0].length, end).replace(/\s+/g, ' ').trim().replace(/;$/, '');
      props.set(m[1], type);
    });
  }
  const parsed = { imports, props, extendsTypeMeta: /extends TypeMeta/.test(text) };
  fileCache.set(file, parsed);
  return parsed;
}

function resolveImport(fromFile, spec) {
  let base;
  if (spec.startsWith('.')) base = join(dirname(fromFile), spec);
  else {
    const [scope, pkg, ...rest] = spec.split('/');
    const pkgRoot = dirname(require.resolve(`${scope}/${pkg}/package.json`, { paths: [modelsRoot] }));
    base = join(pkgRoot, ...rest);
  }
  const file = `${base}.d.ts`;
  return existsSync(file) ? file : null;
}

function unknownFields(value, file, path = '') {
  const { imports, props, extendsTypeMeta } = parseDts(file);
  if (!props || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out = [];
  for (const [key, v] of Object.entries(value)) {
    if (extendsTypeMeta && (key === 'apiVersion' || key === 'kind')) continue;
    const type = props.get(key);
    if (type === undefined) {
      out.push(`${path}/${key}: unknown field`);
      continue;
    }
    out.push(...checkType(v, type.trim(), file, imports, `${path}/${key}`));
  }
  return out;
}

function checkType(v, type, file, imports, path) {
  if (v === null || v === undefined) return [];
  let m;
  if ((m = type.match(/^Array<(\w+)>$/)) && Array.isArray(v)) {
    return v.flatMap((item, i) => checkType(item, m[1], file, imports, `${path}/${i}`));
  }
  if ((m = type.match(/^\{ ?\[key: string\]: (\w+);? ?\}$/)) && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, item]) => checkType(item, m[1], file, imports, `${path}/${k}`));
  }
  if (/^\w+$/.test(type) && imports.has(type)) {
    const target = resolveImport(file, imports.get(type));
    return target ? unknownFields(v, target, path) : [];
  }
  return [];
}
