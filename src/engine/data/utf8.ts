/**
 * UTF-8 validation that can say where a file goes wrong. TextDecoder's fatal mode tells us
 * *that* a file is invalid but not where, and users need a line and column to fix it.
 */

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes `bytes` as UTF-8, or returns the offset of the first invalid byte. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { badOffset: number } {
  try {
    return { text: strictDecoder.decode(bytes) };
  } catch {
    return { badOffset: firstInvalidUtf8Offset(bytes) };
  }
}

/**
 * Offset of the first byte that starts an invalid sequence (the lead byte, so a truncated
 * sequence is reported where it begins), or -1. Follows the WHATWG/Unicode rules the
 * decoder enforces: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}
