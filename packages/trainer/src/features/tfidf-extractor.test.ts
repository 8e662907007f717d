import { describe, expect, it } from 'vitest';

import { charWbNgrams, tfidfExtractor, wordTokens } from './tfidf-extractor.ts';

const corpus = [
  'Free money NOW',
  'Re: [ILUG] money for the meeting',
  'Meeting moved; café at 3pm',
  '免费 電話 free',
];

describe('tfidfExtractor (the no-transfer text baseline)', () => {
  it('tokenizes as scikit-learn does: lower case, runs of two or more Unicode word characters', () => {
    expect(wordTokens('Re: [ILUG] café at 3pm, a 免费 電話!')).toEqual([
      're',
      'ilug',
      'café',
      'at',
      '3pm',
      '免费',
      '電話',
    ]);
  });

  it("gives scikit-learn TfidfVectorizer()'s vectors (smooth idf, raw counts, L2 rows)", async () => {
    // Expected values from scikit-learn 1.x: TfidfVectorizer().fit(corpus).transform([...]).
    const tfidf = tfidfExtractor(corpus);
    expect(tfidf.dim).toBe(14);
    const { vectors } = await tfidf.embed([
      { text: 'free money, free café' },
      { text: 'nothing known here' },
    ]);
    const [known, unknown] = vectors as Float32Array[];
    const nonZero = [...(known ?? [])].map((v, i) => [i, v] as const).filter(([, v]) => v !== 0);
    // Vocabulary sorted as scikit-learn sorts it: 3pm at café for free ilug meeting money …
    expect(nonZero.map(([i]) => i)).toEqual([2, 4, 7]);
    expect(nonZero.map(([, v]) => v)).toEqual([
      expect.closeTo(0.4933859, 6),
      expect.closeTo(0.7779822, 6),
      expect.closeTo(0.3889911, 6),
    ]);
    expect([...(unknown ?? [])].every((v) => v === 0)).toBe(true);
  });

  it("cuts character n-grams inside word boundaries as analyzer='char_wb' does", () => {
    // scikit-learn: TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5)).build_analyzer()(text)
    expect(charWbNgrams('a Free  money!', 2, 5)).toEqual(
      ' a|a | a | f|fr|re|ee|e | fr|fre|ree|ee | fre|free|ree | free|free | m|mo|on|ne|ey|y!|! | mo|mon|one|ney|ey!|y! | mon|mone|oney|ney!|ey! | mone|money|oney!|ney! '.split(
        '|',
      ),
    );
  });

  it('gives make_union(word, char_wb 2-5) sublinear TF-IDF vectors as scikit-learn does', async () => {
    const tfidf = tfidfExtractor(corpus, { charNgrams: [2, 5], sublinearTf: true });
    expect(tfidf.dim).toBe(14 + 176);
    const [v] = (await tfidf.embed([{ text: 'free free money' }])).vectors as Float32Array[];
    const nonZero = [...(v ?? [])].map((x, i) => [i, x] as const).filter(([, x]) => x !== 0);
    // Expected from scikit-learn 1.x on the same corpus.
    expect(nonZero.map(([i]) => i)).toEqual([
      4, 7, 29, 33, 34, 35, 36, 40, 41, 42, 84, 90, 91, 99, 100, 104, 105, 106, 107, 131, 132, 133, 134, 138,
      139, 140, 146, 147, 148, 149, 161, 164, 165, 182,
    ]);
    const expected = [
      0.861037, 0.5085423, 0.1891335, 0.2336175, 0.2336175, 0.2336175, 0.1117053, 0.1117053, 0.1379782,
      0.1379782, 0.1891335, 0.154629, 0.2336175, 0.1379782, 0.1379782, 0.2336175, 0.2336175, 0.2336175,
      0.2336175, 0.1117053, 0.1379782, 0.1379782, 0.1379782, 0.1379782, 0.1379782, 0.1379782, 0.1379782,
      0.1379782, 0.1379782, 0.1379782, 0.1891335, 0.2336175, 0.2336175, 0.1379782,
    ];
    nonZero.forEach(([, x], k) => expect(x).toBeCloseTo(expected[k] ?? NaN, 6));
  });
});
