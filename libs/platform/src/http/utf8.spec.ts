import { decodeUtf8KeepingBadBytes, isWellFormedUtf8 } from './utf8';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

/** Byte sequences that are not UTF-8 (RFC 3629), each with the lone surrogates it must decode to. */
const NOT_UTF8: [string, number[], string][] = [
  ['a lone byte 0xFF', [0xff], '\udcff'],
  ['a stray continuation byte', [0x80], '\udc80'],
  ['a broken two-byte sequence', [0xc3, 0x28], '\udcc3('],
  ['an overlong "/"', [0xc0, 0xaf], '\udcc0\udcaf'],
  ['an overlong three-byte form', [0xe0, 0x80, 0xaf], '\udce0\udc80\udcaf'],
  ['a UTF-16 surrogate encoded as UTF-8 (CESU)', [0xed, 0xa0, 0x80], '\udced\udca0\udc80'],
  ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'],
  ['a truncated 中', [0xe4, 0xb8], '\udce4\udcb8'],
  ['a lead byte at the very end', [0xf0], '\udcf0'],
];

describe('bytes that are not well-formed UTF-8', () => {
  it('are told apart from UTF-8, including every form a lenient decoder would read', () => {
    expect(isWellFormedUtf8(bytes('{"name":"张伟 😀 é","x":"\u2028\ufeff"}'))).toBe(true);
    expect(isWellFormedUtf8(bytes([0xf4, 0x8f, 0xbf, 0xbf], [0xef, 0xbf, 0xbf], [0xed, 0x9f, 0xbf]))).toBe(true);
    expect(isWellFormedUtf8(Buffer.alloc(0))).toBe(true);
    for (const [label, sequence] of NOT_UTF8)
      expect({ label, wellFormed: isWellFormedUtf8(bytes('ab', sequence, 'cd')) }).toEqual({ label, wellFormed: false });
  });

  it('decode to lone surrogates U+DC80-U+DCFF where they stand, everything around them as UTF-8 reads it', () => {
    for (const [label, sequence, escaped] of NOT_UTF8) {
      expect({ label, text: decodeUtf8KeepingBadBytes(bytes('中a', sequence, '😀b')) }).toEqual({ label, text: `中a${escaped}😀b` });
    }
    // Well-formed UTF-8 decodes as any decoder would, with no lone surrogate in it.
    const text = '{"name":"张伟 😀","note":"\u0000\u2028"}';
    expect(decodeUtf8KeepingBadBytes(bytes(text))).toBe(text);
  });

  it('keep JSON readable, with the bad bytes inside the strings (or keys) that held them', () => {
    const parsed = JSON.parse(decodeUtf8KeepingBadBytes(bytes('{"name":"pr', [0xe4, 0xb8], 'oper","k', [0xff], '":1}'))) as Record<string, unknown>;
    expect(parsed).toEqual({ name: 'pr\udce4\udcb8oper', 'k\udcff': 1 });
    // Two bodies that differ only in their bad bytes decode differently (a lenient decoder makes both U+FFFD).
    expect(decodeUtf8KeepingBadBytes(bytes([0xff]))).not.toBe(decodeUtf8KeepingBadBytes(bytes([0xfe])));
  });

  it('decode a large body in one pass', () => {
    const large = Buffer.concat([Buffer.alloc(8 * 1024 * 1024, 'x'), Buffer.from([0xff]), Buffer.from('中'.repeat(1_000_000))]);
    const started = performance.now();
    const text = decodeUtf8KeepingBadBytes(large);
    expect(text.length).toBe(8 * 1024 * 1024 + 1 + 1_000_000);
    expect(text.charCodeAt(8 * 1024 * 1024)).toBe(0xdcff);
    // Not a timing test: it only shows nothing is quadratic (seconds would mean it is).
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
