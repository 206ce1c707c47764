/**
 * Maps byte offsets in a file to 1-based physical lines and byte columns. csv-parse's own
 * line counter drifts on CRLF inside quoted fields, so record positions are computed from
 * byte offsets instead. A line ends at CRLF, LF or a lone CR, the same record delimiters
 * the parser is configured with.
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly bytes: Uint8Array) {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x0a) this.starts.push(i + 1);
      else if (b === 0x0d) {
        if (bytes[i + 1] === 0x0a) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** 1-based line containing `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** 1-based byte column of `offset` within its line. */
  byteColumnOf(offset: number): number {
    return offset - this.starts[this.lineOf(offset) - 1]! + 1;
  }

  /**
   * Where the next record starts after a record that ended at `offset`: the parser skips
   * empty lines between records, so step over line breaks.
   */
  skipLineBreaks(offset: number): number {
    let i = offset;
    while (i < this.bytes.length && (this.bytes[i] === 0x0a || this.bytes[i] === 0x0d)) i++;
    return i;
  }
}
