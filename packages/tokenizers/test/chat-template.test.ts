// Chat templates rendered from the models' own tokenizer_config.json, against expected strings
// written by hand from the templates (see the comments for the derivations).
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError } from '../src/index.ts';
import type { ChatMessage, ChatTool } from '../src/index.ts';
import { readModelJson, tempModelDir, tokenizerFor } from './helpers.ts';

const SYSTEM_USER: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello!' },
];

describe('Llama 3.1 template', () => {
  // Each message: '<|start_header_id|>' + role + '<|end_header_id|>\n\n' + (content | trim) +
  // '<|eot_id|>'; bos_token before the first; the generation prompt opens an assistant header.
  it('renders a system + user conversation with the generation prompt', async () => {
    const t = await tokenizerFor('llama3_1');
    expect(t.applyChatTemplate(SYSTEM_USER, { addGenerationPrompt: true })).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('trims message content (the filter binds tighter than +) and omits the prompt by default', async () => {
    const t = await tokenizerFor('llama3_1');
    const messages: ChatMessage[] = [
      { role: 'user', content: '  What is 2+2?\n' },
      { role: 'assistant', content: '4' },
    ];
    expect(t.applyChatTemplate(messages)).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>',
    );
  });

  it('encodeChat does not add a second <|begin_of_text|>', async () => {
    const t = await tokenizerFor('llama3_1');
    const ids = t.encodeChat(SYSTEM_USER, { addGenerationPrompt: true });
    expect(ids.slice(0, 3)).toEqual([128000, 128006, 9125]); // <|begin_of_text|><|start_header_id|>system
    expect(ids.filter((id) => id === 128000)).toHaveLength(1);
    expect(ids.at(-1)).toBe(271); // "\n\n" after <|end_header_id|>
    expect(ids.at(-2)).toBe(128007);
    expect(t.decode(ids)).toBe(t.applyChatTemplate(SYSTEM_USER, { addGenerationPrompt: true }));
  });
});

describe('Qwen3 template', () => {
  it('renders a system + user conversation with the generation prompt', async () => {
    // No tools: a leading system message is written first and skipped in the loop (loop.first).
    const t = await tokenizerFor('qwen3');
    const expected =
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
      '<|im_start|>user\nHello!<|im_end|>\n' +
      '<|im_start|>assistant\n';
    expect(t.applyChatTemplate(SYSTEM_USER, { addGenerationPrompt: true })).toBe(expected);
    // enable_thinking=false adds an empty think block to the prompt.
    expect(
      t.applyChatTemplate(SYSTEM_USER, { addGenerationPrompt: true, variables: { enable_thinking: false } }),
    ).toBe(expected + '<think>\n\n</think>\n\n');
    expect(t.applyChatTemplate(SYSTEM_USER)).toBe(expected.slice(0, -'<|im_start|>assistant\n'.length));
  });

  it('splits the reasoning of the last assistant turn into a think block', async () => {
    // last_query_index = 0 (the user turn); the assistant turn (index 1 > 0, loop.last) gets
    // '<think>\n' + reasoning.strip('\n') + '\n</think>\n\n' + content.lstrip('\n').
    const t = await tokenizerFor('qwen3');
    const messages: ChatMessage[] = [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '<think>\nsimple\n</think>\n\n4' },
    ];
    expect(t.applyChatTemplate(messages)).toBe(
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\nsimple\n</think>\n\n4<|im_end|>\n',
    );
  });

  it('renders tools, tool calls and tool responses', async () => {
    const t = await tokenizerFor('qwen3');
    const tools: ChatTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get the weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '{"temp": 20}' },
    ];
    // tojson writes Python json.dumps style: ", " and ": " separators, keys in insertion order.
    const toolJson =
      '{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", ' +
      '"parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}';
    expect(t.applyChatTemplate(messages, { tools, addGenerationPrompt: true })).toBe(
      '<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        toolJson +
        '\n</tools>\n\nFor each function call, return a json object with function name and arguments within ' +
        '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n' +
        '</tool_call><|im_end|>\n' +
        '<|im_start|>user\nWeather in Paris?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n{"temp": 20}\n</tool_response><|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });
});

describe('template sources and errors', () => {
  const qwenJson = readModelJson('qwen3', 'tokenizer.json');
  const qwenConfig = readModelJson('qwen3', 'tokenizer_config.json');
  const withTemplate = (chat_template: unknown): Tokenizer =>
    new Tokenizer({ tokenizerJson: qwenJson, tokenizerConfig: { ...qwenConfig, chat_template } }, '/models/x');

  it('raise_exception surfaces as a TokenizerError naming the file', () => {
    const t = withTemplate("{% if messages[0].role != 'user' %}{{ raise_exception('first message must be user') }}{% endif %}ok");
    expect(t.applyChatTemplate([{ role: 'user', content: 'x' }])).toBe('ok');
    expect(() => t.applyChatTemplate([{ role: 'system', content: 'x' }])).toThrow(TokenizerError);
    expect(() => t.applyChatTemplate([{ role: 'system', content: 'x' }])).toThrow(
      /\/models\/x\/tokenizer_config\.json: rendering the chat template failed: .*first message must be user/,
    );
  });

  it('provides strftime_now, the special tokens, tools=none and extra variables', () => {
    const t = withTemplate(
      "{{ strftime_now('%Y') }}|{{ eos_token }}|{{ pad_token }}|{{ bos_token is defined }}|{{ tools is none }}|{{ who }}",
    );
    expect(t.applyChatTemplate([], { variables: { who: 'me' } })).toBe(
      `${new Date().getFullYear()}|<|im_end|>|<|endoftext|>|false|true|me`,
    );
  });

  it('picks named templates: tool_use with tools, else default, or by name', () => {
    const t = withTemplate([
      { name: 'default', template: 'D' },
      { name: 'tool_use', template: 'T{{ tools | length }}' },
    ]);
    expect(t.applyChatTemplate([])).toBe('D');
    expect(t.applyChatTemplate([], { tools: [{ type: 'function' }] })).toBe('T1');
    expect(t.applyChatTemplate([], { templateName: 'tool_use', tools: [] })).toBe('T0');
    expect(() => t.applyChatTemplate([], { templateName: 'rag' })).toThrow(/no chat template named "rag" \(available: default, tool_use\)/);
  });

  it('reports a template that does not parse, and a tokenizer without template', () => {
    expect(() => withTemplate('{% for x in %}').applyChatTemplate([])).toThrow(/cannot parse the chat template/);
    expect(() => withTemplate(null).applyChatTemplate([])).toThrow(/has no chat_template/);
    expect(() => withTemplate(42)).toThrow(/chat_template must be a string or a list/);
  });

  it('prefers chat_template.jinja over tokenizer_config.json', async () => {
    const { loadTokenizer } = await import('../src/index.ts');
    await using tmp = await tempModelDir('qwen3', ['tokenizer.json', 'tokenizer_config.json'], {
      'chat_template.jinja': '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}',
    });
    const t = await loadTokenizer(tmp.dir);
    expect(t.applyChatTemplate(SYSTEM_USER)).toBe('[system]You are a helpful assistant.[user]Hello!');
  });
});
