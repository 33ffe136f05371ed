// Chat templates: the model's own Jinja template (tokenizer_config.json `chat_template`, or a
// `chat_template.jinja` file, which transformers prefers when both exist) rendered with
// @huggingface/jinja and the same variables transformers' `apply_chat_template` passes:
// messages, tools, documents, add_generation_prompt, the special tokens (bos_token, eos_token, …)
// and any extra keyword variables. `raise_exception` and `strftime_now` are globals of the renderer.
import { Template } from '@huggingface/jinja';
import { TokenizerError } from './errors.ts';
import { isObject } from './files.ts';

/** One chat message as transformers' templates expect it (`tool_calls`, `name`, … pass through). */
export interface ChatMessage {
  role: string;
  content?: string | null | readonly unknown[];
  [key: string]: unknown;
}

/** A tool definition in the OpenAI/transformers shape, e.g. `{ type: 'function', function: { name, description, parameters } }`. */
export type ChatTool = Readonly<Record<string, unknown>>;

export interface ChatTemplateOptions {
  /** Append the prompt that starts the assistant's turn (default false, as in transformers). */
  addGenerationPrompt?: boolean;
  /** Tools offered to the model; rendered by templates that support them. */
  tools?: readonly ChatTool[];
  /** Documents for retrieval-augmented templates. */
  documents?: readonly Readonly<Record<string, unknown>>[];
  /** Pick a named template when tokenizer_config.json has several (default: "tool_use" with tools, else "default"). */
  templateName?: string;
  /** Extra template variables, e.g. `{ enable_thinking: false }` (Qwen3) or `{ date_string: '26 Jul 2024' }` (Llama 3.1). */
  variables?: Readonly<Record<string, unknown>>;
}

/** The chat templates of a tokenizer directory and the file they came from (for error messages). */
export interface ChatTemplateSource {
  /** Named templates; a plain string template is stored under "default". */
  templates: ReadonlyMap<string, string>;
  file: string;
}

/**
 * Collects the templates of a directory: `chat_template.jinja` when present, else tokenizer_config's
 * `chat_template`, which is a string or a list of `{ name, template }`.
 */
export function chatTemplateSource(
  jinjaFile: { text: string; file: string } | undefined,
  tokenizerConfig: Record<string, unknown>,
  configFile: string,
): ChatTemplateSource | null {
  if (jinjaFile !== undefined) {
    return { templates: new Map([['default', jinjaFile.text]]), file: jinjaFile.file };
  }
  const value = tokenizerConfig['chat_template'];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return { templates: new Map([['default', value]]), file: configFile };
  if (Array.isArray(value)) {
    const templates = new Map<string, string>();
    for (const entry of value) {
      if (!isObject(entry) || typeof entry['name'] !== 'string' || typeof entry['template'] !== 'string') {
        throw new TokenizerError(
          `${configFile}: chat_template must be a string or a list of { name, template } objects`,
          { file: configFile },
        );
      }
      templates.set(entry['name'], entry['template']);
    }
    return { templates, file: configFile };
  }
  throw new TokenizerError(`${configFile}: chat_template must be a string or a list of { name, template } objects`, {
    file: configFile,
  });
}

/** Renders chat messages with a directory's template; one compiled Template per template text. */
export class ChatTemplateRenderer {
  readonly #source: ChatTemplateSource;
  readonly #specialTokens: Readonly<Record<string, unknown>>;
  readonly #compiled = new Map<string, Template>();

  /** `specialTokens`: bos_token, eos_token, … as transformers' `special_tokens_map` (absent ones left out). */
  constructor(source: ChatTemplateSource, specialTokens: Readonly<Record<string, unknown>>) {
    this.#source = source;
    this.#specialTokens = specialTokens;
  }

  /** Template names available (a plain string template is "default"). */
  get names(): string[] {
    return [...this.#source.templates.keys()];
  }

  /** The template text that `render` would use for these options. */
  templateText(options: ChatTemplateOptions = {}): string {
    const { templates, file } = this.#source;
    let name = options.templateName;
    if (name === undefined) {
      name = options.tools !== undefined && options.tools.length > 0 && templates.has('tool_use') ? 'tool_use' : 'default';
      if (!templates.has(name) && templates.size === 1) name = [...templates.keys()][0]!;
    }
    const text = templates.get(name);
    if (text === undefined) {
      throw new TokenizerError(
        `${file}: no chat template named "${name}" (available: ${[...templates.keys()].join(', ')})`,
        { file },
      );
    }
    return text;
  }

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    const { file } = this.#source;
    const text = this.templateText(options);
    let template = this.#compiled.get(text);
    if (template === undefined) {
      try {
        template = new Template(text);
      } catch (error) {
        throw new TokenizerError(`${file}: cannot parse the chat template: ${(error as Error).message}`, {
          file,
          cause: error,
        });
      }
      this.#compiled.set(text, template);
    }
    // transformers passes tools/documents as None when absent, so `tools is not none` behaves.
    const context: Record<string, unknown> = {
      ...this.#specialTokens,
      ...options.variables,
      messages,
      tools: options.tools ?? null,
      documents: options.documents ?? null,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    };
    try {
      return template.render(context);
    } catch (error) {
      throw new TokenizerError(`${file}: rendering the chat template failed: ${(error as Error).message}`, {
        file,
        cause: error,
      });
    }
  }
}
