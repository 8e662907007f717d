// Fails when a package depends on, or imports, another package against the arrows in
// design.md ("Packages", plus @modelhub/vision, @modelhub/text and @modelhub/audio: inputs by modality, shared by the adapters, the trainer and the CLI): arrows never point sideways or up. It cross-checks three places:
// package.json dependencies, tsconfig.build.json references, and the imports in the sources.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const allowed: Record<string, readonly string[]> = {
  core: [],
  onnx: ['core'],
  vision: ['core'],
  text: ['core'],
  audio: ['core'],
  client: ['core'],
  registry: ['core'],
  'adapter-onnx': ['core', 'onnx', 'vision', 'text', 'audio'],
  'adapter-tfjs': ['core', 'onnx', 'vision', 'text'],
  trainer: ['core', 'onnx', 'vision', 'text', 'audio'],
  testing: ['core', 'registry'],
  cli: [
    'core',
    'onnx',
    'vision',
    'text',
    'audio',
    'client',
    'registry',
    'adapter-onnx',
    'adapter-tfjs',
    'trainer',
  ],
};
// Tests may also use the private test helpers.
const testOnly = ['testing'];
// Test-only arrows of one package: the trainer's slow suite checks the transfer-learning claim
// against a real pretrained backbone, which only an adapter can load.
const testOnlyFor: Record<string, readonly string[]> = { trainer: ['adapter-onnx'] };

const root = resolve(import.meta.dirname, '..');
const problems: string[] = [];

function walk(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') {
      continue;
    }
    out = statSync(path).isDirectory() ? out.concat(walk(path)) : out.concat(path);
  }
  return out;
}

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg);
  const rules = allowed[pkg];
  if (rules === undefined) {
    problems.push(
      `packages/${pkg} is not listed in scripts/check-deps.ts (add its arrows there and in design.md)`,
    );
    continue;
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  const internal = (deps: Record<string, string> | undefined): string[] =>
    Object.keys(deps ?? {})
      .filter((d) => d.startsWith('@modelhub/'))
      .map((d) => d.slice('@modelhub/'.length));
  const deps = internal(manifest.dependencies);
  const devDeps = internal(manifest.devDependencies);
  for (const dep of deps) {
    if (!rules.includes(dep)) {
      problems.push(`@modelhub/${pkg} depends on @modelhub/${dep}, which design.md does not allow`);
    }
  }
  const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.build.json'), 'utf8')) as {
    references?: { path: string }[];
  };
  const refs = (tsconfig.references ?? []).map((r) => r.path.split('/')[1] ?? '');
  const sortedDeps = [...deps].sort().join(',');
  if ([...refs].sort().join(',') !== sortedDeps) {
    problems.push(
      `packages/${pkg}/tsconfig.build.json references [${refs.join(', ')}] but package.json depends on [${deps.join(', ')}]`,
    );
  }
  for (const file of walk(dir).filter((f) => /\.(ts|js|mjs)$/.test(f))) {
    const text = readFileSync(file, 'utf8');
    const isTest = /\.test\.ts$/.test(file) || file.includes('/test/');
    const rel = relative(root, file);
    for (const match of text.matchAll(
      // A subpath (`@modelhub/core/errors`) counts as its package.
      /(?:from\s+|import\s*\(\s*)['"](@modelhub\/[^'"/]+|\.{1,2}\/[^'"]*)(?:\/[^'"]*)?['"]/g,
    )) {
      const spec = match[1] ?? '';
      if (spec.startsWith('.')) {
        const target = resolve(file, '..', spec);
        if (!target.startsWith(dir + '/')) {
          problems.push(`${rel} imports ${spec}, a path outside its package: import the package by name`);
        }
        continue;
      }
      const dep = spec.slice('@modelhub/'.length);
      if (dep === pkg) {
        problems.push(`${rel} imports its own package by name; use a relative import`);
        continue;
      }
      const declared = deps.includes(dep) || (isTest && devDeps.includes(dep));
      const permitted =
        rules.includes(dep) || (isTest && (testOnly.includes(dep) || (testOnlyFor[pkg] ?? []).includes(dep)));
      if (!permitted) {
        problems.push(`${rel} imports @modelhub/${dep}: the arrow ${pkg} → ${dep} is not allowed`);
      } else if (!declared) {
        problems.push(`${rel} imports @modelhub/${dep}, which packages/${pkg}/package.json does not declare`);
      }
    }
  }
  if (pkg !== 'testing') {
    if (deps.includes('testing')) {
      problems.push(
        `@modelhub/${pkg} lists @modelhub/testing in dependencies; it belongs in devDependencies`,
      );
    }
  }
}

if (problems.length > 0) {
  console.error(`Dependency arrows broken (${problems.length}):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('dependency arrows: ok');
