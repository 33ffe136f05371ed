// A Hugging Face tokenizer loaded from a local model directory. Encoding and decoding are done by
// @huggingface/tokenizers (pure JS, same ids as the Rust `tokenizers` library; checked against
// fixtures from that library in test/). Special tokens follow transformers: bos/eos/pad from
// tokenizer_config.json, end-of-sequence ids also from generation_config.json.
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ChatTemplateRenderer, chatTemplateSource } from './chat-template.ts';
import type { ChatMessage, ChatTemplateOptions } from './chat-template.ts';
import { TokenizerError } from './errors.ts';
import { isObject, readJsonObject, readText } from './files.ts';
import type { JsonObject } from './files.ts';
import { IncrementalDecoder } from './incremental-decoder.ts';
import type { IncrementalDecoderOptions } from './incremental-decoder.ts';

export interface EncodeOptions {
  /** Add the tokens of the tokenizer's post-processor, e.g. Llama 3's `<|begin_of_text|>` (default true). */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out added tokens marked `special` in tokenizer.json (default false). */
  skipSpecialTokens?: boolean;
  /**
   * Apply transformers' `clean_up_tokenization_spaces` rewrite (" ." → "." …). Default false, which
   * matches the Rust `tokenizers` library and keeps decoding lossless and streamable.
   */
  cleanUpTokenizationSpaces?: boolean;
}

/** The parsed files of a tokenizer directory (what `loadTokenizer` reads). */
export interface TokenizerFiles {
  /** tokenizer.json */
  tokenizerJson: JsonObject;
  /** tokenizer_config.json */
  tokenizerConfig: JsonObject;
  /** generation_config.json, when present */
  generationConfig?: JsonObject;
  /** chat_template.jinja, when present (preferred over tokenizer_config's chat_template) */
  chatTemplateJinja?: string;
}

/** A special token of tokenizer_config.json resolved to its id. */
export interface SpecialToken {
  content: string;
  id: number;
}

const TOKENIZER_JSON = 'tokenizer.json';
const TOKENIZER_CONFIG = 'tokenizer_config.json';
const GENERATION_CONFIG = 'generation_config.json';
const CHAT_TEMPLATE_JINJA = 'chat_template.jinja';

/** A token value of tokenizer_config.json: a string, `{ content }` (AddedToken), or null. */
function tokenContent(value: unknown, field: string, file: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['content'] === 'string') return value['content'];
  throw new TokenizerError(`${file}: ${field} must be a string, an object with "content", or null`, { file });
}

export class Tokenizer {
  /** The model directory (or a label for in-memory tokenizers). */
  readonly dir: string;
  /** Number of ids the tokenizer can produce: the largest id of the vocabulary or added tokens, plus one. */
  readonly vocabSize: number;
  /** tokenizer_config.json `bos_token` (null when the model has none, e.g. Qwen). */
  readonly bos: SpecialToken | null;
  /** tokenizer_config.json `eos_token`. */
  readonly eos: SpecialToken | null;
  /** tokenizer_config.json `pad_token`. */
  readonly pad: SpecialToken | null;
  /** tokenizer_config.json `unk_token`. */
  readonly unk: SpecialToken | null;
  /**
   * Ids that end generation: generation_config.json `eos_token_id` (a number or a list) followed by
   * tokenizer_config's eos token when not already listed. Empty when neither file names one.
   */
  readonly eosTokenIds: readonly number[];
  /** Added tokens marked `special` in tokenizer.json, by content. */
  readonly specialTokens: ReadonlyMap<string, number>;

  readonly #hf: HfTokenizer;
  readonly #specialIds: ReadonlySet<number>;
  readonly #chat: ChatTemplateRenderer | null;

  /** Builds a tokenizer from already-parsed files; `dir` labels error messages. Prefer `loadTokenizer`. */
  constructor(files: TokenizerFiles, dir = '<memory>') {
    this.dir = dir;
    const tokenizerFile = join(dir, TOKENIZER_JSON);
    const configFile = join(dir, TOKENIZER_CONFIG);
    const generationFile = join(dir, GENERATION_CONFIG);
    const { tokenizerJson, tokenizerConfig, generationConfig } = files;

    if (!isObject(tokenizerJson['model'])) {
      throw new TokenizerError(`${tokenizerFile}: tokenizer.json has no "model" object`, { file: tokenizerFile });
    }
    const addedTokens = tokenizerJson['added_tokens'] ?? [];
    if (!Array.isArray(addedTokens)) {
      throw new TokenizerError(`${tokenizerFile}: "added_tokens" must be a list`, { file: tokenizerFile });
    }
    try {
      this.#hf = new HfTokenizer({ ...tokenizerJson, added_tokens: addedTokens }, tokenizerConfig);
    } catch (error) {
      throw new TokenizerError(`${tokenizerFile}: cannot build the tokenizer: ${(error as Error).message}`, {
        file: tokenizerFile,
        cause: error,
      });
    }

    const special = new Map<string, number>();
    for (const token of addedTokens) {
      if (!isObject(token) || typeof token['content'] !== 'string' || !Number.isInteger(token['id'])) {
        throw new TokenizerError(`${tokenizerFile}: every added token needs a string "content" and an integer "id"`, {
          file: tokenizerFile,
        });
      }
      if (token['special'] === true) special.set(token['content'], token['id'] as number);
    }
    this.specialTokens = special;
    this.#specialIds = new Set(special.values());

    let maxId = -1;
    for (const id of this.#hf.get_vocab(true).values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;

    const resolve = (field: string): SpecialToken | null => {
      const content = tokenContent(tokenizerConfig[field], field, configFile);
      if (content === null) return null;
      const id = this.#hf.token_to_id(content);
      if (id === undefined) {
        throw new TokenizerError(`${configFile}: ${field} "${content}" is not a token of ${TOKENIZER_JSON}`, {
          file: configFile,
        });
      }
      return { content, id };
    };
    this.bos = resolve('bos_token');
    this.eos = resolve('eos_token');
    this.pad = resolve('pad_token');
    this.unk = resolve('unk_token');

    const eosIds: number[] = [];
    if (generationConfig !== undefined) {
      const value = generationConfig['eos_token_id'];
      const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
      for (const id of list) {
        if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= this.vocabSize) {
          throw new TokenizerError(
            `${generationFile}: eos_token_id must be a token id or a list of token ids below ${this.vocabSize}, got ${JSON.stringify(value)}`,
            { file: generationFile },
          );
        }
        if (!eosIds.includes(id as number)) eosIds.push(id as number);
      }
    }
    if (this.eos !== null && !eosIds.includes(this.eos.id)) eosIds.push(this.eos.id);
    this.eosTokenIds = eosIds;

    const source = chatTemplateSource(
      files.chatTemplateJinja === undefined
        ? undefined
        : { text: files.chatTemplateJinja, file: join(dir, CHAT_TEMPLATE_JINJA) },
      tokenizerConfig,
      configFile,
    );
    const specialTokensMap: Record<string, unknown> = {};
    for (const field of ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const) {
      const content = tokenContent(tokenizerConfig[field], field, configFile);
      if (content !== null) specialTokensMap[field] = content;
    }
    const additional = tokenizerConfig['additional_special_tokens'];
    if (Array.isArray(additional)) {
      specialTokensMap['additional_special_tokens'] = additional.map((t, i) =>
        tokenContent(t, `additional_special_tokens[${i}]`, configFile),
      );
    }
    this.#chat = source === null ? null : new ChatTemplateRenderer(source, specialTokensMap);
  }

  /** tokenizer_config's bos token id, or null. */
  get bosTokenId(): number | null {
    return this.bos?.id ?? null;
  }

  /** tokenizer_config's eos token id, or null (see `eosTokenIds` for every stop id). */
  get eosTokenId(): number | null {
    return this.eos?.id ?? null;
  }

  /** Whether the directory has a chat template. */
  get hasChatTemplate(): boolean {
    return this.#chat !== null;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.#hf.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) this.#checkId(id);
    const kept = options.skipSpecialTokens ? ids.filter((id) => !this.#specialIds.has(id)) : [...ids];
    if (kept.length === 0) return '';
    return this.#hf.decode(kept, { clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? false });
  }

  /** The id of a token string (vocabulary or added token), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#hf.token_to_id(token);
  }

  /** The token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.#hf.id_to_token(id);
  }

  /** Whether an id is an added token marked `special`. */
  isSpecialId(id: number): boolean {
    return this.#specialIds.has(id);
  }

  /** Renders a conversation with the model's chat template. */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (this.#chat === null) {
      throw new TokenizerError(
        `${join(this.dir, TOKENIZER_CONFIG)}: the tokenizer has no chat_template (and there is no ${CHAT_TEMPLATE_JINJA})`,
        { file: join(this.dir, TOKENIZER_CONFIG) },
      );
    }
    return this.#chat.render(messages, options);
  }

  /**
   * Renders a conversation and encodes it without adding special tokens again (the template
   * writes them, e.g. Llama's bos_token), as transformers' `apply_chat_template(tokenize=True)`.
   */
  encodeChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, options), { addSpecialTokens: false });
  }

  /** A streaming detokenizer over this tokenizer. */
  incrementalDecoder(options: IncrementalDecoderOptions = {}): IncrementalDecoder {
    return new IncrementalDecoder(this, options);
  }

  #checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new TokenizerError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize}) of ${this.dir}`);
    }
  }
}

/**
 * Loads the tokenizer of a local Hugging Face model directory: tokenizer.json and
 * tokenizer_config.json (required), generation_config.json and chat_template.jinja (optional).
 * Throws `TokenizerError` naming the file that is missing or corrupt. Never downloads anything.
 */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  // Read in parallel but report failures in file order, so the error always names the first
  // missing file (tokenizer.json before tokenizer_config.json) whichever read finishes first.
  const settled = await Promise.allSettled([
    readJsonObject(dir, TOKENIZER_JSON, false),
    readJsonObject(dir, TOKENIZER_CONFIG, false),
    readJsonObject(dir, GENERATION_CONFIG, true),
  ]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const [tokenizerJson, tokenizerConfig, generationConfig] = settled.map((r) => (r as PromiseFulfilledResult<JsonObject | undefined>).value);
  const chatTemplateJinja = await readText(dir, CHAT_TEMPLATE_JINJA, true);
  const files: TokenizerFiles = { tokenizerJson: tokenizerJson!, tokenizerConfig: tokenizerConfig! };
  if (generationConfig !== undefined) files.generationConfig = generationConfig;
  if (chatTemplateJinja !== undefined) files.chatTemplateJinja = chatTemplateJinja;
  return new Tokenizer(files, dir);
}
