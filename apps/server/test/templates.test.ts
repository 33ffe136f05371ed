// Chat template failures are the client's 400, not a 500: a template that raises (as many models'
// templates do for message orders they do not support) and a model without any chat template.
// Built on @lrqk/engine's tiny byte-level model with its tokenizer_config.json rewritten.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, type Engine } from '@lrqk/engine';
import { writeTinyModel } from '@lrqk/engine/testing';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.ts';

let root: string;
const opened: Array<{ engine: Engine; s: Running }> = [];

/** A tiny model whose tokenizer_config.json has `template` as chat_template (null: none). */
async function serveWithTemplate(name: string, template: string | null): Promise<Running> {
  const dir = await writeTinyModel(join(root, name));
  const configFile = join(dir, 'tokenizer_config.json');
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  if (template === null) delete config.chat_template;
  else config.chat_template = template;
  await writeFile(configFile, JSON.stringify(config));
  const engine = await openEngine(dir, { device: 'cpu', contextTokens: 256 });
  const s = await start(engine);
  opened.push({ engine, s });
  return s;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lrqk-server-templates-'));
});
afterAll(async () => {
  for (const { engine, s } of opened) {
    await s.server.close({ graceMs: 500 });
    await engine.dispose();
  }
  await rm(root, { recursive: true, force: true });
});

describe('chat templates', () => {
  it('a template that raises gives 400 chat_template_error with its message', async () => {
    const template =
      "{% if messages[0]['role'] != 'system' %}{{ raise_exception('a system message must come first') }}{% endif %}" +
      "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";
    const s = await serveWithTemplate('raising', template);
    const error = await s.client.chat.completions.create({ model: 'raising', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).code).toBe('chat_template_error');
    expect((error as APIError).message).toContain('a system message must come first');
    // The order the template accepts works.
    const ok = await s.client.chat.completions.create({
      model: 'raising',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
      max_tokens: 2,
      temperature: 0,
    });
    expect(ok.choices[0]!.message.role).toBe('assistant');
  });

  it('a model without a chat template gives 400 no_chat_template on chat, completions still work', async () => {
    const s = await serveWithTemplate('plain', null);
    const error = await s.client.chat.completions.create({ model: 'plain', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).code).toBe('no_chat_template');
    const ok = await s.client.completions.create({ model: 'plain', prompt: 'hi', max_tokens: 2, temperature: 0 });
    expect(ok.usage!.completion_tokens).toBeLessThanOrEqual(2);
  });
});
