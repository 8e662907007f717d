#!/usr/bin/env node
// The version check comes first and alone: on an older Node, loading the CLI would stop at
// `node:sqlite` with an obscure message instead of this one. The compile cache is turned on before
// the CLI's modules load (it never fails the command; see compile-cache.ts). The CLI itself runs
// as one bundle (`npm run build` makes it from dist/; see scripts/build-cli-bundle.ts): a fresh
// process reads a few files instead of resolving and linking a hundred modules. Commands that run a
// model start onnxruntime's worker thread before the bundle loads (see early-start.ts).
import { enableCompileCache, shareCompileCacheWithWorkers } from '../dist/compile-cache.js';
import { startEarly } from '../dist/early-start.js';
import { unsupportedNode } from '../dist/runtime-check.js';

const problem = unsupportedNode(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(problem);
  process.exit(1);
}
shareCompileCacheWithWorkers(enableCompileCache());
await startEarly(process.argv.slice(2));
await import('../dist/bundle/hub.js');
