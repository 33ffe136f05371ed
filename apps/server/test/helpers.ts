// Shared setup of the server tests: one fixture model (real Qwen3 tokenizer, random tiny weights)
// opened once per test file on the CPU, servers on loopback ports, and the official OpenAI client.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, type Engine } from '@lrqk/engine';
import OpenAI from 'openai';
import { afterAll, beforeAll } from 'vitest';
import { createServer, type LrqkServer, type ServerOptions } from '../src/index.ts';
import { writeFixtureModel } from './fixture-model.ts';

export const MODEL = 'tiny-qwen3';
/** Small so that context-limit errors are cheap to provoke. */
export const CONTEXT_TOKENS = 256;

export interface Fixture {
  engine: Engine;
  dispose(): Promise<void>;
}

/**
 * The CPU by default; LRQK_SERVER_TEST_DEVICE=cuda runs the same tests on the GPU (f32, so the
 * comparisons with the engine stay exact), where the no-leak checks also cover device memory.
 */
const DEVICE = process.env.LRQK_SERVER_TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu';

export async function openFixture(): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'lrqk-server-'));
  const dir = await writeFixtureModel(join(root, MODEL));
  const engine = await openEngine(dir, { device: DEVICE, dtype: 'f32', contextTokens: CONTEXT_TOKENS });
  return {
    engine,
    async dispose() {
      await engine.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface Running {
  server: LrqkServer;
  url: string;
  client: OpenAI;
}

/** A server on a free loopback port with an OpenAI client that does not retry (so 429s are seen). */
export async function start(engine: Engine, options: ServerOptions = {}): Promise<Running> {
  const server = createServer(engine, { logger: 'silent', ...options });
  const { url } = await server.listen({ port: 0 });
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: options.apiKey ?? 'unused', maxRetries: 0, timeout: 30_000 });
  return { server, url, client };
}

/** Polls until `check` holds (or fails after `ms`). */
export async function eventually(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The value of one sample of a Prometheus text exposition (labels as written, e.g. `{finished_reason="abort"}`). */
export function metricValue(text: string, name: string, labels = ''): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    const base = key.includes('{') ? key.slice(0, key.indexOf('{')) : key;
    if (base !== name) continue;
    if (labels && !key.includes(labels)) continue;
    return Number(value);
  }
  return Number.NaN;
}

/** POST JSON with fetch (for raw status/header checks the OpenAI client hides). */
export function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/**
 * For a test file: opens the fixture engine before its tests, and closes every server started with
 * `server()` (grace 500 ms) and the engine after them. `fixture()` is valid inside tests.
 */
export function useFixtureServers(): { fixture: () => Fixture; server: (options?: ServerOptions) => Promise<Running> } {
  let fx: Fixture | undefined;
  const servers: Running[] = [];
  beforeAll(async () => {
    fx = await openFixture();
  });
  afterAll(async () => {
    for (const s of servers) await s.server.close({ graceMs: 500 });
    await fx?.dispose();
  });
  const fixture = (): Fixture => {
    if (fx === undefined) throw new Error('the fixture is opened in beforeAll; use it inside tests');
    return fx;
  };
  return {
    fixture,
    server: async (options = {}) => {
      const s = await start(fixture().engine, options);
      servers.push(s);
      return s;
    },
  };
}
