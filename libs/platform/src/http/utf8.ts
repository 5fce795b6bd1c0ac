import { isUtf8 } from 'node:buffer';

/**
 * Whether bytes are well-formed UTF-8 (RFC 3629): no stray continuation byte, no truncated or overlong
 * sequence, no UTF-16 surrogate encoded as UTF-8 (CESU), nothing above U+10FFFF.
 */
export function isWellFormedUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

/** The first code point that escapes a byte: U+DC80 stands for 0x80 ... U+DCFF for 0xFF. */
const ESCAPE_BASE = 0xdc00;

/**
 * Decodes UTF-8 as a decoder with `fatal: true` would, except that each byte of a sequence that is not
 * well-formed becomes a lone low surrogate (0xC3 -> U+DCC3, as Python's "surrogateescape") instead of an
 * error or a U+FFFD. A lenient decoder would store the replacement character as if the client had sent it;
 * a fatal one says only that the body is bad, not where. This one keeps the place: JSON.parse reads the text
 * as before, and the bytes end up as lone surrogates in the very strings (or keys) they were sent in, where
 * the JSON guard finds and names them. (Bytes below 0x80 are always well-formed, so every escape is U+DC80
 * or above, and no text that decoded well can hold one.)
 */
export function decodeUtf8KeepingBadBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  let runStart = 0;
  let at = 0;
  while (at < buffer.length) {
    if (buffer[at] < 0x80) {
      at += 1;
      continue;
    }
    const length = wellFormedSequenceLength(buffer, at);
    if (length > 0) {
      at += length;
      continue;
    }
    if (runStart < at) parts.push(buffer.toString('utf8', runStart, at));
    parts.push(String.fromCharCode(ESCAPE_BASE + buffer[at]));
    at += 1;
    runStart = at;
  }
  if (runStart < buffer.length) parts.push(buffer.toString('utf8', runStart, buffer.length));
  return parts.join('');
}

/**
 * The length of the well-formed UTF-8 sequence that starts at `at`, or 0 when none does (The Unicode
 * Standard, table 3-7: the second byte's range depends on the first, which rules out overlong forms,
 * surrogates and code points above U+10FFFF).
 */
function wellFormedSequenceLength(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (first >= 0xc2 && first <= 0xdf) length = 2;
  else if (first >= 0xe0 && first <= 0xef) {
    length = 3;
    if (first === 0xe0) low = 0xa0;
    else if (first === 0xed) high = 0x9f;
  } else if (first >= 0xf0 && first <= 0xf4) {
    length = 4;
    if (first === 0xf0) low = 0x90;
    else if (first === 0xf4) high = 0x8f;
  } else return 0;
  if (at + length > bytes.length) return 0;
  const second = bytes[at + 1];
  if (second < low || second > high) return 0;
  for (let next = at + 2; next < at + length; next++) {
    if (bytes[next] < 0x80 || bytes[next] > 0xbf) return 0;
  }
  return length;
}
