import { createRequire } from 'node:module';

import type * as Undici from 'undici';
import type { Agent, Dispatcher } from 'undici';

/** The parts of undici the client's transport uses. */
export interface UndiciParts {
  readonly Agent: typeof Agent;
  /** undici's `request()` on a given dispatcher. */
  request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  /** undici's `stream()` on a given dispatcher. */
  stream(
    dispatcher: Dispatcher,
    options: Dispatcher.RequestOptions,
    factory: Dispatcher.StreamFactory,
  ): Promise<Dispatcher.StreamData>;
}

type RequestFn = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
type StreamFn = (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
  factory: Dispatcher.StreamFactory,
) => Promise<Dispatcher.StreamData>;

const require = createRequire(import.meta.url);

/**
 * Loads the agent and the request/stream calls from undici's own files rather than its index,
 * which also loads fetch, WebSocket, EventSource, the cache and mock layers and every proxy agent:
 * the first request of a `hub` process took ~160 ms of CPU to load undici, ~80 ms this way
 * (measured under load, compile cache warm). These are the modules the index itself re-exports;
 * if a later undici moves them, the whole package is loaded instead.
 */
export function loadUndiciParts(): UndiciParts {
  try {
    const AgentClass = require('undici/lib/dispatcher/agent.js') as typeof Agent;
    const request = require('undici/lib/api/api-request.js') as RequestFn;
    const stream = require('undici/lib/api/api-stream.js') as StreamFn;
    return {
      Agent: AgentClass,
      request: (dispatcher, options) => request.call(dispatcher, options),
      stream: (dispatcher, options, factory) => stream.call(dispatcher, options, factory),
    };
  } catch {
    // The index puts request() and stream() on every dispatcher.
    const undici = require('undici') as typeof Undici;
    return {
      Agent: undici.Agent,
      request: (dispatcher, options) => dispatcher.request(options),
      stream: (dispatcher, options, factory) => dispatcher.stream(options, factory),
    };
  }
}
