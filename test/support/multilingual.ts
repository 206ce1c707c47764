/**
 * Sentences in several scripts for tokenizer and model tests: accents (precomposed and
 * combining), CJK without spaces, Cyrillic, Arabic, Devanagari, Hangul, emoji (with skin tone,
 * ZWJ sequences and flags), characters NFKC changes (ligatures, full-width forms), and runs
 * of spaces. TRAINING builds the generated vocabularies; PROBES are what the tests tokenize,
 * partly unseen in TRAINING so unknown pieces and characters are exercised too.
 */
export const MULTILINGUAL_TRAINING: readonly string[] = [
  'Le café était délicieux et la crème brûlée parfaite.',
  'Die Mannschaft gewann das Spiel in der letzten Minute.',
  'El libro que leí ayer era muy aburrido.',
  'Ο αγώνας ήταν συναρπαστικός μέχρι το τέλος.',
  'Этот роман читается легко и с удовольствием.',
  '这家餐厅的面条非常好吃。',
  '昨日のサッカーの試合はとても面白かった。',
  '이 책은 정말 재미있어요.',
  'المباراة كانت رائعة جدا.',
  'यह खाना बहुत स्वादिष्ट है।',
  'Great pizza 🍕 and a happy crowd 🎉',
  'Naïve résumé of the coöperative’s façade.',
];

export const MULTILINGUAL_PROBES: readonly string[] = [
  'Le café était délicieux.',
  'Cafe\u0301 with a combining accent, and Ångström.',
  'Die Mannschaft gewann überraschend.',
  '这家餐厅的饺子很好吃。',
  '東京で寿司を食べました。',
  '서울의 축구 경기',
  'Этот роман скучный.',
  'المباراة كانت مملة.',
  'यह किताब अच्छी है।',
  'Great match 👍🏽 — the crowd went wild 🎉🎉',
  'Family 👨‍👩‍👧 and flags 🇫🇷🇯🇵',
  'ﬁne full-width ＡＢＣ１２３ and ½ ligatures',
  '  leading and   repeated   spaces ',
  'Mixed: pizza 披萨 пицца ピザ',
  '',
];
