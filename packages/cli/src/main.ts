import { exitAfterOutput } from './exit-after-output.ts';
import { runCli } from './program.ts';

await exitAfterOutput(await runCli(process.argv.slice(2)));
