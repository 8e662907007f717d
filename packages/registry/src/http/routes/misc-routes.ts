import type { FastifyInstance } from 'fastify';

import { ModelhubError } from '@modelhub/core';

import { toApiAlias, toApiWhoAmI } from '../../api/convert.ts';
import { ValidateYamlBody } from '../../api/api-schemas.ts';
import { validateCard } from '../../repo/card-validation.ts';
import { actorOf, repoKinds, type RouteContext } from '../request-context.ts';

/** whoami, aliases (a modelhub extension) and validate-yaml (§7, §9.4). */
export function registerMiscRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry } = ctx;

  app.get('/api/whoami-v2', async (request) => {
    const actor = await actorOf(ctx, request);
    if (actor.kind === 'anonymous') {
      throw new ModelhubError('AUTH_REQUIRED', 'Invalid credentials in Authorization header');
    }
    return toApiWhoAmI(actor.account, await registry.access.organisations(actor), actor.token);
  });

  app.get('/api/aliases/:alias', async (request) => {
    const { alias } = request.params as { alias: string };
    return toApiAlias(await registry.aliases.get(await actorOf(ctx, request), alias));
  });

  // Python ≥ 1.20 with hf_xet installed asks for Xet tokens before every LFS upload (§9.5).
  for (const kind of repoKinds) {
    for (const route of ['xet-write-token', 'xet-read-token']) {
      app.get(`${kind.api}/:namespace/:name/${route}/*`, () => {
        throw new ModelhubError(
          'INVALID_ARGUMENT',
          'This registry stores files through Git LFS, not Xet. Set HF_HUB_DISABLE_XET=1.',
          {
            hint: 'Set HF_HUB_DISABLE_XET=1 (or uninstall hf_xet) so huggingface_hub uploads through LFS.',
          },
        );
      });
    }
  }

  // huggingface_hub posts every README.md it commits here first and reads the JSON before the
  // status (hub-protocol.md §9.4): errors abort the upload, warnings are printed.
  app.post('/api/validate-yaml', (request, reply) => {
    const body = ValidateYamlBody.parse(request.body);
    const { errors, warnings } = validateCard(body.content, body.repoType ?? 'model');
    return reply.code(errors.length > 0 ? 400 : 200).send({
      errors: errors.map((message) => ({ message })),
      warnings: warnings.map((message) => ({ message })),
    });
  });
}
