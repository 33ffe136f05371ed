import { openEngine } from '@lrqk/engine';
import { writeTinyModel } from '@lrqk/engine/testing';
import OpenAI from 'openai';
import { createServer } from '@lrqk/server';

// A tiny random-weight model with a real (byte-level BPE) tokenizer, for the example.
const dir = await writeTinyModel('/tmp/lrqk-tiny');
await using engine = await openEngine(dir, { device: 'auto', contextTokens: 1024 });

const server = createServer(engine, { attention: { method: 'lrqk', lrqk: { rank: 8, topK: 64, lite: 16 } }, logger: 'warn' });
const { url } = await server.listen({ port: 0 });

// Any OpenAI client works; the model id is the directory name.
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused' });
const stream = await client.chat.completions.create({
  model: 'lrqk-tiny',
  messages: [{ role: 'user', content: 'Once upon a time' }],
  max_tokens: 16,
  temperature: 0,
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  if (chunk.usage) console.log('\n', chunk.usage);
  else process.stdout.write(chunk.choices[0]?.delta.content ?? '');
}
await server.close({ graceMs: 1_000 });
