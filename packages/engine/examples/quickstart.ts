import { openEngine } from '@lrqk/engine';
import { writeTinyModel } from '@lrqk/engine/testing';

// A tiny random-weight model with a real (byte-level BPE) tokenizer.json, for the example.
const dir = await writeTinyModel('/tmp/lrqk-tiny');
await using engine = await openEngine(dir, { device: 'auto', contextTokens: 1024 });

const backend = await engine.createBackend({ method: 'lrqk', lrqk: { rank: 8, topK: 64, lite: 16 } });
try {
  const gen = engine.generate(engine.encodePrompt('Once upon a time'), { backend, maxTokens: 16, temperature: 0 });
  for (;;) {
    const r = await gen.next();
    if (r.done) {
      console.log(r.value.finishReason, r.value.usage, r.value.attention);
      break;
    }
    process.stdout.write(r.value.text);
  }
} finally {
  backend.dispose();
}
