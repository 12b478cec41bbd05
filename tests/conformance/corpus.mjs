// The text corpus the conformance tests run through every tokenizer: English, code, JSON, many
// scripts, emoji with joiners, combining marks, odd whitespace, digits, special-token strings inside
// text, empty strings and long inputs. Deterministic (no randomness), so failures reproduce.

const specialStrings = [
  '<s>', '</s>', '<unk>', '<|begin_of_text|>', '<|eot_id|>', '<|im_start|>user\nhi<|im_end|>', '<start_of_turn>model',
  '<end_of_turn>', '<bos>', '<\uFF5Cbegin\u2581of\u2581sentence\uFF5C>', '<|endoftext|>', '[INST] hi [/INST]', '<pad>',
];

const base = [
  '',
  ' ',
  'Hello world!',
  'Hello world! How are you doing today? I\'m fine, thanks. It\'s 3:45pm and we\'ve got 12 apples.',
  'The QUICK brown fox\'S jumps over THE lazy dog\'LL, they\'RE sure; we\'VE seen it.',
  '  leading spaces, trailing spaces   ',
  'tabs\tand\nnewlines\r\nand\r\r\n\n\n   mixed \t\n whitespace',
  'non-breaking\u00A0space, ideographic\u3000space, thin\u2009space, line\u2028separator, zero\u200Bwidth',
  'vertical\u000Btab form\u000Cfeed next\u0085line',
  'Numbers: 0 1 12 123 1234 12345 123456789 3.14159 -42 1,000,000 1e10 0x1F \u0663\u0664\u0665 \u2460\u2461 \u00BD',
  'function add(a, b) {\n  return a + b; // sum\n}\nconst x = [1, 2, 3].map((v) => v * 2);',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint(fib(30))\n',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }',
  '{"name": "Gatehouse", "version": 1, "tags": ["a", "b"], "nested": {"x": null, "y": true, "z": 1.5e-3}}',
  '<html><body class="main"><p>Hello &amp; welcome</p></body></html>',
  'SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC LIMIT 10;',
  'Fran\u00E7ais: \u00E9l\u00E8ve, na\u00EFve, c\u0153ur, \u00E0 bient\u00F4t. Deutsch: Stra\u00DFe, \u00FCber, Gr\u00F6\u00DFe.',
  'Decomposed: e\u0301 a\u0300 o\u0308 n\u0303 A\u030A, Zalgo: Z\u0351\u036B\u0343a\u0352l\u0313g\u0344o\u0358',
  '\u0420\u0443\u0441\u0441\u043A\u0438\u0439 \u0442\u0435\u043A\u0441\u0442: \u041F\u0440\u0438\u0432\u0435\u0442, \u043C\u0438\u0440!',
  '\u0395\u03BB\u03BB\u03B7\u03BD\u03B9\u03BA\u03AC: \u039A\u03B1\u03BB\u03B7\u03BC\u03AD\u03C1\u03B1 \u03BA\u03CC\u03C3\u03BC\u03B5',
  '\u4E2D\u6587\uFF1A\u4F60\u597D\uFF0C\u4E16\u754C\uFF01\u6211\u4EEC\u5728\u5317\u4EAC\u3002\u7E41\u9AD4\u4E2D\u6587\u5B57',
  '\u65E5\u672C\u8A9E\uFF1A\u3053\u3093\u306B\u3061\u306F\u4E16\u754C\u3002\u30AB\u30BF\u30AB\u30CA\u3068\u3072\u3089\u304C\u306A\u30FC',
  '\uD55C\uAD6D\uC5B4: \uC548\uB155\uD558\uC138\uC694 \uC138\uACC4! \u1100\u1161\u11A8 jamo',
  '\u0627\u0644\u0639\u0631\u0628\u064A\u0629: \u0645\u0631\u062D\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645',
  '\u05E2\u05D1\u05E8\u05D9\u05EA: \u05E9\u05DC\u05D5\u05DD \u05E2\u05D5\u05DC\u05DD',
  '\u0939\u093F\u0928\u094D\u0926\u0940: \u0928\u092E\u0938\u094D\u0924\u0947 \u0926\u0941\u0928\u093F\u092F\u093E',
  '\u0E20\u0E32\u0E29\u0E32\u0E44\u0E17\u0E22: \u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35\u0E0A\u0E32\u0E27\u0E42\u0E25\u0E01',
  '\u1780\u17D2\u1798\u17C2\u179A \u12A0\u121B\u122D\u129B \u10E5\u10D0\u10E0\u10D7\u10E3\u10DA\u10D8 \u0540\u0561\u0575\u0565\u0580\u0565\u0576',
  'Ti\u1EBFng Vi\u1EC7t: Xin ch\u00E0o th\u1EBF gi\u1EDBi',
  'Emoji: \u{1F600}\u{1F602}\u{1F44D}\u{1F3FD} \u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466} \u{1F3F3}\uFE0F\u200D\u{1F308} \u{1F1EB}\u{1F1F7} \u2764\uFE0F',
  'Rare: \u{1D54F}\u{1D560}\u{1D56A} \u{20BB7}\u91CE \u{1F9EC}\u{1FAE0} \uFFFD \uE000 \u{10FFFD}',
  'Math: \u2200x\u2208\u211D, \u2203y: x\u00B2 + y\u00B2 \u2264 1 \u21D2 \u222B\u2080\u00B9 f(x)dx \u2260 \u221E',
  'Fullwidth: \uFF28\uFF45\uFF4C\uFF4C\uFF4F \uFF11\uFF12\uFF13 \uFF01 ligatures: \uFB01 \uFB02 \u2126 \u212B',
  'Control\u0001chars\u0007and\u001Fdelete\u007F and \u200D joiner \u200C non-joiner \uFEFF bom',
  'URLs: https://huggingface.co/meta-llama/Llama-2-7b-hf?x=1&y=2#frag, mail@example.com, C:\\path\\file.txt',
  'Punctuation!!! ??? ... --- ___ *** ((())) [[[]]] {{{}}} <<<>>> @@@ ### $$$ %%% ^^^ &&& ||| ~~~ ``` \'\'\' """',
  '    indented code\n        more indented\n\t\ttabs\n',
  'a',
  '\n',
  '!!!',
  '\u2581already\u2581has\u2581metaspace \u0120and \u010A byte chars',
  'ending with space ',
  ' starting with space',
  'don\'t can\'t won\'t shouldn\'t I\'d you\'ll',
];

const withSpecials = specialStrings.map((s, i) => `before ${s} after ${i}`).concat([specialStrings.join(''), specialStrings.join(' ')]);

function longMixed() {
  const parts = [];
  for (let i = 0; parts.join('').length < 20000; i++) parts.push(base[i % base.length]);
  return parts.join(' ');
}

// Long runs of one character: the worst cases for BPE merging and regex splitting.
export const pathologicalRuns = [
  'x'.repeat(5000),
  '\u00E9'.repeat(3000),
  '\u4E2D'.repeat(3000),
  '1234567890'.repeat(300),
  ' '.repeat(2000),
  '\u{1F600}'.repeat(1000),
];

// Long inputs, each a stress case of its own.
const long = [
  longMixed(),
  ...pathologicalRuns,
];

// Ordinary texts without special-token strings: English, code, JSON, many scripts, emoji.
export const mixedCorpus = base;

// Texts without special-token strings: what tokenizers agree on whatever their added tokens.
export const plainCorpus = [...base, ...long];

export const corpus = [
  ...base,
  ...withSpecials,
  ...long,
];
