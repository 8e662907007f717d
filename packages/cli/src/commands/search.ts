import type { Command } from 'commander';

import { info, search } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import { formatTable, timeAgo } from '../output/table.ts';
import { countOption } from '../context/count-option.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** `hub search [QUERY] [--library onnx|tfjs] [--heads-of MODEL] [--limit N]`. */
export const registerSearch: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('search')
    .description('find models on the registry, most downloaded first')
    .argument('[query]', 'text to look for in model names', '')
    .option('--library <name>', 'only models of this library (onnx, tfjs, …)')
    .option('--heads-of <model>', 'only heads fine-tuned from this backbone (ns/name or an alias)')
    .option('--limit <n>', 'at most N results', countOption('--limit'), 20)
    .action(async (query: string, flags: { library?: string; headsOf?: string; limit: number }) => {
      const globals = program.opts<GlobalOptions>();
      // An alias names the backbone too: the registry says which repository it stands for.
      const headsOf =
        flags.headsOf === undefined || flags.headsOf.includes('/')
          ? flags.headsOf
          : (await info(flags.headsOf, clientOptionsFrom(globals))).repo;
      const hits = await search(query, {
        ...clientOptionsFrom(globals),
        library: flags.library,
        headsOf,
        limit: flags.limit,
      });
      if (globals.json === true) {
        io.stdout(`${JSON.stringify({ query, results: hits })}\n`);
        return;
      }
      if (hits.length === 0) {
        io.stderr(
          `no model matches${query === '' ? '' : ` "${query}"`}${headsOf === undefined ? '' : ` among the heads of ${headsOf}`}\n`,
        );
        return;
      }
      io.stdout(
        formatTable(
          [
            { heading: 'MODEL' },
            { heading: 'LIBRARY' },
            { heading: 'TASK' },
            { heading: 'DOWNLOADS', align: 'right' },
            { heading: 'UPDATED' },
          ],
          hits.map((hit) => [
            hit.id,
            hit.library ?? '-',
            hit.pipelineTag ?? '-',
            String(hit.downloads),
            hit.lastModified === undefined ? '-' : timeAgo(new Date(hit.lastModified)),
          ]),
        ),
      );
    });
};
