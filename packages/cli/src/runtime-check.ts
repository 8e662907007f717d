/** The oldest Node.js the CLI runs on: `node:sqlite` without a flag (Node 24 is what the repo pins). */
export const MINIMUM_NODE = [22, 13] as const;

/** What is wrong with a Node.js too old for modelhub, and what to do; undefined when `version` is new enough. */
export function runtimeProblem(version: string): { message: string; hint: string } | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [needMajor, needMinor] = MINIMUM_NODE;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) {
    return undefined;
  }
  return {
    message: `modelhub needs Node.js ${needMajor}.${needMinor} or newer (it uses the built-in node:sqlite); this is Node.js ${version}.`,
    hint:
      'In the modelhub repository, run it through npm (npx hub …, npm run hub -- …), which uses the ' +
      'Node 24 the repository pins; elsewhere install Node.js 24.',
  };
}

/**
 * The message for a Node.js too old for modelhub, or undefined when `version` (as in
 * `process.versions.node`) is new enough. Checked by `bin/hub.js` before anything else is loaded:
 * an older Node would otherwise stop at the first `import 'node:sqlite'` with an obscure message.
 */
export function unsupportedNode(version: string): string | undefined {
  const problem = runtimeProblem(version);
  return problem === undefined
    ? undefined
    : `error [UNSUPPORTED_RUNTIME]: ${problem.message}\nhint: ${problem.hint}\n`;
}
