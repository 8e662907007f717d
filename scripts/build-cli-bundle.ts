// Bundles the `hub` command into packages/cli/dist/bundle/ (run by `npm run build`, after tsc):
// one ESM file for the start-up path, the commands and the heavy parts each a lazy chunk. A fresh
// process then reads a handful of files instead of resolving, reading and linking ~110 modules and
// their package.json files. DEVELOPERS.md ("The hub launcher runs a bundle") says what is inlined
// and why; packages/cli/bin/hub.js loads the result.
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

import { build, type Plugin } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const cliDist = join(root, 'packages', 'cli', 'dist');
const outdir = join(cliDist, 'bundle');

/**
 * npm packages inlined into the bundle: pure JavaScript, no files of their own read at run time,
 * and loaded by the commands people time (`--version`, `pull`). picomatch is CommonJS: the banner
 * below gives each bundle file the `require` its calls of Node's built-ins need. Every other npm package stays an
 * import of node_modules, resolved as before: native addons (onnxruntime-node, sharp), packages
 * that read their own assets (tfjs' wasm, tokenizers), and the large lazy ones (undici, tar,
 * fastify, the AWS SDK), which only some commands load.
 */
const inlined = new Set(['commander', 'keyv', 'hookified', '@keyv/serialize', 'zod', 'picomatch']);

const builtins = new Set(builtinModules);
/** Marks the plugin's own look-ups, which must see what esbuild alone would resolve. */
const resolving = Symbol('resolving');

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Bare imports: workspace packages and the `inlined` list are bundled, the rest stays external. An
 * external that the importing package resolves to its own nested copy (packages/<pkg>/node_modules)
 * is imported by a path relative to the bundle, so the bundle loads the same version as before.
 */
const externals: Plugin = {
  name: 'modelhub-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || builtins.has(args.path)) {
        // What builtinsWithoutFacades (ahead of this plugin) leaves: CommonJS requires, which
        // create no facade.
        return { path: args.path, external: true };
      }
      const name = packageName(args.path);
      if (name.startsWith('@modelhub/') || inlined.has(name) || args.pluginData === resolving) {
        return undefined;
      }
      const options = { kind: args.kind, pluginData: resolving };
      const own = await b.resolve(args.path, { ...options, resolveDir: args.resolveDir });
      // From dist/ (bundle/ does not exist yet): the same node_modules folders up the tree.
      const fromBundle = await b.resolve(args.path, { ...options, resolveDir: cliDist });
      if (own.errors.length > 0 || own.path === fromBundle.path) {
        return { path: args.path, external: true };
      }
      return { path: `./${relative(outdir, own.path).split(sep).join('/')}`, external: true };
    });
  },
};

/**
 * Node's built-ins imported as ES modules cost a facade each, and making it reads every export:
 * the lazy getters load what nobody asked for (`node:crypto` loads WebCrypto, `node:util` its
 * argument parser and diff, `node:http` Node's own undici). Each ES import of a built-in becomes
 * a small module that takes the built-in from `process.getBuiltinModule` and re-exports its plain
 * properties, leaving getters untouched; importing one of those fails the build (add it below).
 */
const builtinsWithoutFacades: Plugin = {
  name: 'modelhub-builtins-without-facades',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const esImport = args.kind === 'import-statement' || args.kind === 'dynamic-import';
      if (!esImport || !(args.path.startsWith('node:') || builtins.has(args.path))) {
        return undefined;
      }
      return { path: args.path.startsWith('node:') ? args.path : `node:${args.path}`, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const module = process.getBuiltinModule(args.path) as Record<string, unknown>;
      const names = Object.keys(module).filter((name) => {
        const descriptor = Object.getOwnPropertyDescriptor(module, name);
        return descriptor !== undefined && 'value' in descriptor && /^[A-Za-z_$][\w$]*$/.test(name);
      });
      const contents =
        `const m = process.getBuiltinModule(${JSON.stringify(args.path)});\n` +
        'export default m;\n' +
        `export const { ${names.filter((n) => n !== 'default').join(', ')} } = m;\n`;
      return { contents, loader: 'js' };
    });
  },
};

/**
 * `import.meta` in a bundled workspace module keeps meaning the module's own built file
 * (packages/<pkg>/dist/…): its worker files, static folders and package.json are found where they
 * were, as a path relative to the bundle (the @modelhub packages sit side by side, in this checkout
 * as in node_modules/@modelhub/), so the bundle needs no copy of them and no change to their code.
 */
const ownImportMeta: Plugin = {
  name: 'modelhub-own-import-meta',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.')) {
        return { contents: source, loader: 'js' };
      }
      const rel = relative(outdir, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      const contents =
        `import { fileURLToPath as __modelhubFileURLToPath } from 'node:url';\n` +
        `import { dirname as __modelhubDirname } from 'node:path';\n` +
        source
          .replaceAll('import.meta.url', `(${url})`)
          .replaceAll('import.meta.filename', `__modelhubFileURLToPath(${url})`)
          .replaceAll('import.meta.dirname', `__modelhubDirname(__modelhubFileURLToPath(${url}))`);
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

const result = await build({
  entryPoints: { hub: join(cliDist, 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  chunkNames: 'chunk-[hash]',
  banner: {
    js: "import { createRequire as __modelhubCreateRequire } from 'node:module';\nconst require = __modelhubCreateRequire(import.meta.url);",
  },
  plugins: [builtinsWithoutFacades, externals, ownImportMeta],
  metafile: true,
  write: false,
  logLevel: 'warning',
  legalComments: 'none',
  // Without comments and indentation the files are ~30% smaller and plain ASCII: a comment with
  // one non-ASCII character (an em dash, an arrow) made Node decode its whole file to a two-byte
  // string. `hub --version` took ~12 ms less CPU. Names stay, so stack traces still read; the
  // linked source maps give file and line with `node --enable-source-maps`.
  minifyWhitespace: true,
  sourcemap: 'linked',
});

/**
 * Writes a file whole (a temporary name, then a rename) unless it already holds `contents`: a `hub`
 * process started meanwhile (tests build and run the CLI in parallel) never reads half a file.
 */
async function replace(path: string, contents: Uint8Array): Promise<void> {
  const old = await readFile(path).catch(() => undefined);
  if (old !== undefined && Buffer.compare(old, contents) === 0) {
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

// Chunks first (their names change with their content), the entry and the module map last, then
// the chunks no build refers to any more.
await mkdir(outdir, { recursive: true });
const entry = join(outdir, 'hub.js');
const files = result.outputFiles.filter((f) => f.path !== entry);
await Promise.all(files.map((f) => replace(f.path, f.contents)));
await replace(entry, result.outputFiles.find((f) => f.path === entry)?.contents ?? new Uint8Array());
// Which module went into which file: the start-up tests read it to tell what a command loaded.
await replace(join(outdir, 'metafile.json'), Buffer.from(JSON.stringify(result.metafile)));
const current = new Set([entry, join(outdir, 'metafile.json'), ...files.map((f) => f.path)]);
for (const name of await readdir(outdir)) {
  if (!current.has(join(outdir, name)) && !name.endsWith('.tmp')) {
    await rm(join(outdir, name), { force: true });
  }
}
